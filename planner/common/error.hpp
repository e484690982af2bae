#pragma once
// The one exception type the project throws for bad input or a refused operation. Its message
// is a single line naming the file, field or value at fault; `hdr` prints it after
// "hdr: error: ".
#include <stdexcept>
#include <string>

namespace hdr {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

// Throws hdr::Error(message) when `condition` is false. For input validation, not for
// internal invariants (those use assert / HDR_ASSERT).
void require(bool condition, const std::string& message);

}  // namespace hdr

// Internal invariant: aborts with the expression, file and line even in release builds,
// because a violated invariant in a dose or delivery path must never continue silently.
#define HDR_ASSERT(cond, msg)                                                 \
  do {                                                                        \
    if (!(cond)) ::hdr::assertion_failed(#cond, msg, __FILE__, __LINE__);     \
  } while (false)

namespace hdr {
[[noreturn]] void assertion_failed(const char* expr, const std::string& msg, const char* file, int line);
}
