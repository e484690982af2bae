#pragma once
// Frame-time statistics for `--stats`: mean and 99th percentile (nearest-rank) of the frame
// times recorded, in milliseconds.
#include <cstddef>
#include <string>
#include <vector>

namespace hdr::ui {

class FrameStats {
 public:
  void add(double frame_ms) { samples_ms_.push_back(frame_ms); }
  size_t count() const { return samples_ms_.size(); }
  double mean_ms() const;        // 0 frames: hdr::Error (no statistic without data)
  double percentile_ms(double p) const;  // nearest-rank, p in (0, 100]
  double max_ms() const;

 private:
  std::vector<double> samples_ms_;
};

}  // namespace hdr::ui
