#pragma once
// The imaging evaluation's cases and one of its measures, shared by the tests and
// eval_imaging: how many needles a seed's sweep gets, and the distance between two contours'
// centres (the urethra measure).
#include <cmath>

#include "planner/formats/types.hpp"

namespace hdr::test {

// Needles in the test suites' sweeps (test_segment_eval.cpp's 20 seeds and the regressions).
inline int test_needle_count(int seed) { return seed % 4 == 0 ? 0 : 3 + seed % 14; }
// Needles in eval_imaging's sweeps (without TEST_NEEDLES).
inline int eval_needle_count(int seed) { return seed % 3 == 0 ? 0 : 4 + seed % 13; }

inline double contour_mean_mm(const formats::ContourSlice& s, int axis) {
  double sum = 0;
  for (const auto& q : s.points_mm) sum += q[static_cast<size_t>(axis)];
  return sum / static_cast<double>(s.points_mm.size());
}

inline double centre_distance_mm(const formats::ContourSlice& a, const formats::ContourSlice& b) {
  return std::hypot(contour_mean_mm(a, 0) - contour_mean_mm(b, 0), contour_mean_mm(a, 1) - contour_mean_mm(b, 1));
}

}  // namespace hdr::test
