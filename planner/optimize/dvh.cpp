#include "planner/optimize/dvh.hpp"

#include <algorithm>
#include <cstdio>
#include <string>

#include "planner/common/error.hpp"

namespace hdr::optimize {

Dvh::Dvh(std::vector<DoseSample> samples) {
  samples.erase(std::remove_if(samples.begin(), samples.end(), [](const DoseSample& s) { return !(s.volume_mm3 > 0); }),
                samples.end());
  // Ties broken by volume so the order (and so every metric) is deterministic.
  std::sort(samples.begin(), samples.end(), [](const DoseSample& a, const DoseSample& b) {
    return a.dose_Gy != b.dose_Gy ? a.dose_Gy > b.dose_Gy : a.volume_mm3 > b.volume_mm3;
  });
  samples_ = std::move(samples);
  cum_mm3_.resize(samples_.size());
  double c = 0;
  for (size_t i = 0; i < samples_.size(); ++i) {
    c += static_cast<double>(samples_[i].volume_mm3);
    cum_mm3_[i] = c;
  }
  total_mm3_ = c;
}

double Dvh::v_pct(double dose_Gy) const {
  HDR_ASSERT(!samples_.empty(), "DVH of an empty structure");
  // Samples with d >= dose form a prefix of the descending order.
  const auto it = std::partition_point(samples_.begin(), samples_.end(),
                                       [&](const DoseSample& s) { return static_cast<double>(s.dose_Gy) >= dose_Gy; });
  const size_t k = static_cast<size_t>(it - samples_.begin());
  return k == 0 ? 0.0 : 100.0 * cum_mm3_[k - 1] / total_mm3_;
}

double Dvh::dose_at_volume_mm3(double v_mm3) const {
  HDR_ASSERT(!samples_.empty(), "DVH of an empty structure");
  // First sample whose cumulative volume reaches v (tolerating rounding in the sum).
  const auto it = std::lower_bound(cum_mm3_.begin(), cum_mm3_.end(), v_mm3 * (1 - 1e-12));
  const size_t k = it == cum_mm3_.end() ? samples_.size() - 1 : static_cast<size_t>(it - cum_mm3_.begin());
  return static_cast<double>(samples_[k].dose_Gy);
}

namespace {
// (snprintf rather than "D" + std::to_string(): GCC 12 -O3 warns falsely (-Wrestrict) on that.)
std::string metric_label(double x, const char* unit) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "D%g%s", x, unit);
  return buf;
}
}  // namespace

double Dvh::d_pct(double pct) const {
  require(pct > 0 && pct <= 100, metric_label(pct, "") + ": the volume percentage must be in (0, 100]");
  return dose_at_volume_mm3(pct / 100.0 * total_mm3_);
}

double Dvh::d_cc(double cc) const {
  require(cc > 0, metric_label(cc, "cc") + ": the volume must be > 0");
  return dose_at_volume_mm3(std::min(cc * 1000.0, total_mm3_));
}

double Dvh::d_max_Gy() const {
  HDR_ASSERT(!samples_.empty(), "DVH of an empty structure");
  return static_cast<double>(samples_.front().dose_Gy);
}

double Dvh::d_min_Gy() const {
  HDR_ASSERT(!samples_.empty(), "DVH of an empty structure");
  return static_cast<double>(samples_.back().dose_Gy);
}

std::vector<double> Dvh::cumulative_pct(const std::vector<double>& levels) const {
  std::vector<double> out;
  out.reserve(levels.size());
  for (double l : levels) out.push_back(v_pct(l));
  return out;
}

}  // namespace hdr::optimize
