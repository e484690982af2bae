#include "calib/acceptance.hpp"

#include <cmath>
#include <sstream>

#include "planner/common/error.hpp"

namespace hdr::calib {

const char* to_string(AcceptanceStatus s) {
  switch (s) {
    case AcceptanceStatus::pass: return "pass";
    case AcceptanceStatus::warn: return "warn";
    case AcceptanceStatus::fail: return "fail";
  }
  HDR_ASSERT(false, "unknown AcceptanceStatus");
}

AcceptanceStatus acceptance_status_from_string(const std::string& text) {
  if (text == "pass") return AcceptanceStatus::pass;
  if (text == "warn") return AcceptanceStatus::warn;
  if (text == "fail") return AcceptanceStatus::fail;
  throw Error("acceptance status: '" + text + "' is not one of pass, warn, fail");
}

std::string AcceptanceThresholds::validation_error() const {
  std::ostringstream os;
  if (!std::isfinite(pass_below_pct) || !(pass_below_pct > 0)) {
    os << "AcceptanceThresholds::pass_below_pct = " << pass_below_pct << " must be a finite number > 0";
  } else if (!std::isfinite(fail_above_pct) || !(fail_above_pct >= pass_below_pct)) {
    os << "AcceptanceThresholds::fail_above_pct = " << fail_above_pct
       << " must be a finite number >= pass_below_pct = " << pass_below_pct;
  }
  return os.str();
}

void AcceptanceThresholds::validate() const {
  const std::string e = validation_error();
  if (!e.empty()) throw Error(e);
}

AcceptanceStatus classify_deviation(double deviation_pct_value, const AcceptanceThresholds& thresholds) {
  thresholds.validate();
  require(std::isfinite(deviation_pct_value), "deviation_pct: not a finite number");
  const double a = std::fabs(deviation_pct_value);
  if (a < thresholds.pass_below_pct) return AcceptanceStatus::pass;
  if (a > thresholds.fail_above_pct) return AcceptanceStatus::fail;
  return AcceptanceStatus::warn;
}

double deviation_pct(double measured_sk_U, double reference_sk_U) {
  require(std::isfinite(reference_sk_U) && reference_sk_U > 0, "reference S_K: must be a finite number > 0");
  require(std::isfinite(measured_sk_U), "measured S_K: not a finite number");
  return 100.0 * (measured_sk_U - reference_sk_U) / reference_sk_U;
}

}  // namespace hdr::calib
