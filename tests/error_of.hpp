#pragma once
// For tests of refusals: the message of the hdr::Error a call throws, "" when it throws none
// (any other exception escapes and fails the test).
#include <functional>
#include <string>

#include "planner/common/error.hpp"

namespace hdr::test {

inline std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const hdr::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace hdr::test
