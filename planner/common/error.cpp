#include "planner/common/error.hpp"

#include <cstdio>
#include <cstdlib>

namespace hdr {

void require(bool condition, const std::string& message) {
  if (!condition) throw Error(message);
}

void assertion_failed(const char* expr, const std::string& msg, const char* file, int line) {
  std::fprintf(stderr, "hdr: internal error: assertion `%s` failed at %s:%d: %s\n", expr, file, line,
               msg.c_str());
  std::abort();
}

}  // namespace hdr
