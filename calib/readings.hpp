#pragma once
// Statistics of repeated electrometer readings taken with the source in one position.
// Scatter and trend beyond 0.5 % point at an unstable setup (temperature not equilibrated,
// chamber not settled, source moving) and are reported as warnings.
#include <optional>
#include <string>
#include <vector>

namespace hdr::calib {

inline constexpr double kReadingStabilityLimit_pct = 0.5;

struct ReadingStats {
  size_t count = 0;
  double mean_A = 0.0;
  double min_A = 0.0, max_A = 0.0;
  // Sample standard deviation (n−1); absent with a single reading.
  std::optional<double> sd_A;
  std::optional<double> relative_sd_pct;          // 100·sd/mean
  double range_pct = 0.0;                         // 100·(max−min)/mean
  // Least-squares slope of reading versus reading index, 100·slope/mean (% per reading),
  // and the drift it implies over the whole series, slope·(n−1) (%). Absent with one reading.
  std::optional<double> trend_pct_per_reading;
  std::optional<double> drift_pct;
  std::vector<std::string> warnings;
};

// Requires at least one reading, each finite and > 0 (hdr::Error otherwise).
ReadingStats compute_reading_stats(const std::vector<double>& readings_A);

}  // namespace hdr::calib
