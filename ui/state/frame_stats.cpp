#include "ui/state/frame_stats.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "planner/common/error.hpp"

namespace hdr::ui {

double FrameStats::mean_ms() const {
  require(!samples_ms_.empty(), "frame statistics: no frames recorded");
  return std::accumulate(samples_ms_.begin(), samples_ms_.end(), 0.0) / static_cast<double>(samples_ms_.size());
}

double FrameStats::percentile_ms(double p) const {
  require(!samples_ms_.empty(), "frame statistics: no frames recorded");
  require(p > 0.0 && p <= 100.0, "percentile p = " + std::to_string(p) + ": must be in (0, 100]");
  std::vector<double> sorted = samples_ms_;
  std::sort(sorted.begin(), sorted.end());
  // Nearest rank: the smallest value with at least p % of the samples at or below it.
  const auto rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  return sorted[std::max<size_t>(rank, 1) - 1];
}

double FrameStats::max_ms() const {
  require(!samples_ms_.empty(), "frame statistics: no frames recorded");
  return *std::max_element(samples_ms_.begin(), samples_ms_.end());
}

}  // namespace hdr::ui
