#include "calib/readings.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "planner/common/error.hpp"

namespace hdr::calib {
namespace {
std::string pct(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f %%", v);
  return buf;
}
}  // namespace

ReadingStats compute_reading_stats(const std::vector<double>& readings_A) {
  require(!readings_A.empty(), "readings_A: no readings");
  for (size_t i = 0; i < readings_A.size(); ++i)
    require(std::isfinite(readings_A[i]) && readings_A[i] > 0,
            "readings_A[" + std::to_string(i) + "]: must be a finite current > 0 A");

  ReadingStats s;
  s.count = readings_A.size();
  const double n = static_cast<double>(s.count);
  double sum = 0;
  for (double r : readings_A) sum += r;
  s.mean_A = sum / n;
  const auto [mn, mx] = std::minmax_element(readings_A.begin(), readings_A.end());
  s.min_A = *mn;
  s.max_A = *mx;
  s.range_pct = 100.0 * (s.max_A - s.min_A) / s.mean_A;

  if (s.count < 2) {
    s.warnings.push_back("readings_A: a single reading; scatter and trend cannot be assessed");
    return s;
  }
  double ss = 0;
  for (double r : readings_A) ss += (r - s.mean_A) * (r - s.mean_A);
  s.sd_A = std::sqrt(ss / (n - 1.0));
  s.relative_sd_pct = 100.0 * *s.sd_A / s.mean_A;

  // Least-squares slope against the index i = 0..n-1 (centred: x̄ = (n−1)/2).
  const double xbar = (n - 1.0) / 2.0;
  double sxy = 0, sxx = 0;
  for (size_t i = 0; i < s.count; ++i) {
    const double dx = static_cast<double>(i) - xbar;
    sxy += dx * (readings_A[i] - s.mean_A);
    sxx += dx * dx;
  }
  const double slope_A = sxy / sxx;
  s.trend_pct_per_reading = 100.0 * slope_A / s.mean_A;
  s.drift_pct = *s.trend_pct_per_reading * (n - 1.0);

  if (*s.relative_sd_pct > kReadingStabilityLimit_pct)
    s.warnings.push_back("readings_A: scatter " + pct(*s.relative_sd_pct) + " (relative SD) exceeds " +
                         pct(kReadingStabilityLimit_pct) + "; check setup stability");
  // The drift over the series is the clinically relevant trend (it is never smaller than the
  // per-reading slope), so it is what the 0.5 % limit applies to.
  if (std::fabs(*s.drift_pct) > kReadingStabilityLimit_pct)
    s.warnings.push_back("readings_A: readings trend by " + pct(*s.trend_pct_per_reading) + " per reading (" +
                         pct(*s.drift_pct) + " over the series), beyond " + pct(kReadingStabilityLimit_pct) +
                         "; let the chamber settle and repeat");
  return s;
}

}  // namespace hdr::calib
