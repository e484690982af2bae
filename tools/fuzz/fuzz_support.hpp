#pragma once
// Shared by the libFuzzer targets: the contract is that malformed input is an hdr::Error,
// never a crash, a sanitizer report, or any other exception. Anything else escaping a
// target (nlohmann's type_error, std::out_of_range, ...) is reported by libFuzzer as a crash.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "planner/common/error.hpp"

namespace hdr::fuzz {

inline std::string as_text(const uint8_t* data, size_t size) { return std::string(reinterpret_cast<const char*>(data), size); }

// A property that must hold for every accepted input (e.g. a round trip); aborts so that
// libFuzzer records the input.
inline void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz property violated: %s\n", what);
    std::abort();
  }
}

// Runs `body`; hdr::Error is the expected outcome for bad input and is swallowed.
template <class F>
void expect_only_hdr_errors(F&& body) {
  try {
    body();
  } catch (const hdr::Error&) {
  }
}

}  // namespace hdr::fuzz
