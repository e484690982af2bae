#pragma once
// Sweet-spot analysis of a well chamber: current versus source position along the insert.
// The maximum is located by a least-squares parabola I(x) = a + b·x + c·x² through the
// sampled peak and up to two neighbours on each side (5 points), vertex x* = −b/(2c).
// Warnings: peak at the scan edge (maximum not bracketed), no curvature (c ≥ 0), and the
// measurement position more than max_offset_mm from the maximum.
#include <optional>
#include <string>
#include <vector>

#include "calib/measurement.hpp"

namespace hdr::calib {

struct SweetSpotOptions {
  double max_offset_mm = 1.0;  // measurement position tolerance around the maximum
  int half_window_points = 2;  // neighbours on each side of the sampled peak used in the fit
};

struct SweetSpotResult {
  double peak_position_mm = 0.0;     // fitted vertex (or the sampled maximum, see fitted)
  double peak_current_A = 0.0;       // fitted (or sampled) maximum current
  bool fitted = false;               // false: the fit was not usable, sampled maximum reported
  double measurement_offset_mm = 0.0;  // measurement_position − peak_position
  // Response at the measurement position relative to the peak (1 = on the maximum): the
  // fitted parabola inside the fit window, else linear interpolation of the scan; absent
  // when the measurement position lies outside the scanned range.
  std::optional<double> relative_response_at_measurement;
  std::vector<std::string> warnings;
};

// Requires at least 3 points with finite, distinct positions and finite currents > 0.
SweetSpotResult analyse_sweet_spot(const SweetSpotScan& scan, const SweetSpotOptions& options = {});

}  // namespace hdr::calib
