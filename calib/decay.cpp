#include "calib/decay.hpp"

#include <cmath>
#include <numbers>
#include <string>

#include "planner/common/error.hpp"

namespace hdr::calib {

double decay_factor(double days, double half_life_days) {
  require(std::isfinite(half_life_days) && half_life_days > 0,
          "half_life_days: must be a finite number > 0, found " + std::to_string(half_life_days));
  require(std::isfinite(days), "decay interval: must be a finite number of days");
  return std::exp(-std::numbers::ln2 * days / half_life_days);
}

double decay_sk(double sk_U, UtcTime from, UtcTime to, double half_life_days) {
  require(std::isfinite(sk_U) && sk_U > 0, "S_K_U: must be a finite number > 0, found " + std::to_string(sk_U));
  return sk_U * decay_factor(days_between(from, to), half_life_days);
}

}  // namespace hdr::calib
