#pragma once
// Acceptance of a measured source strength against its (decayed) certificate, AAPM TG-56 /
// TG-138 practice: |deviation| < 3 % pass, 3 % .. 5 % warn (the physicist must acknowledge
// with a reason), > 5 % fail (the source must not be used until resolved).
//   deviation_pct = 100 · (S_K − S_cert,decayed) / S_cert,decayed
// Boundaries: exactly 3 % is warn, exactly 5 % is warn, anything above 5 % is fail.
#include <string>

namespace hdr::calib {

enum class AcceptanceStatus { pass, warn, fail };

// "pass" / "warn" / "fail" (the CLI's and the record store's spelling).
const char* to_string(AcceptanceStatus s);
// Inverse of to_string; throws hdr::Error naming the text.
AcceptanceStatus acceptance_status_from_string(const std::string& text);

struct AcceptanceThresholds {
  double pass_below_pct = 3.0;  // |dev| <  this: pass
  double fail_above_pct = 5.0;  // |dev| >  this: fail; in between (inclusive): warn

  // Empty when valid; otherwise names field, value and rule, e.g.
  // "AcceptanceThresholds::fail_above_pct = 2 must be >= pass_below_pct = 3".
  std::string validation_error() const;
  // Throws hdr::Error with validation_error() when invalid.
  void validate() const;
};

// Throws hdr::Error when deviation_pct is not finite or the thresholds are invalid.
AcceptanceStatus classify_deviation(double deviation_pct, const AcceptanceThresholds& thresholds = {});

// 100 · (measured − reference) / reference; throws hdr::Error when reference is not > 0.
double deviation_pct(double measured_sk_U, double reference_sk_U);

}  // namespace hdr::calib
