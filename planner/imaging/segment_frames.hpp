#pragma once
// The segmenter's view of a sweep (internal to planner/imaging): each unique stepper position's
// frame on the working grid with needle echoes and their reverberation tails filled from their
// surroundings, median + Gaussian smoothed against speckle; the imaged region; the intensity
// spread that normalises edge strengths; the needle echoes per position.
#include <array>
#include <cmath>
#include <cstdint>
#include <opencv2/core.hpp>
#include <vector>

#include "planner/imaging/image.hpp"
#include "planner/imaging/segment.hpp"
#include "planner/imaging/working_grid.hpp"

namespace hdr::imaging::seg {

struct Prepared {
  std::vector<double> z;
  std::vector<WorkingGrid> grids;  // smoothed
  cv::Mat imaged;                  // CV_8U: pixels some frame images (before erosion)
  cv::Mat mask;                    // CV_8U: imaged region, eroded (edges near its rim ignored)
  double scale = 1.0;              // robust intensity spread, normalises edge strengths
  // The middle of the sweep [mid_a, mid_b): the middle half of the longest run of positions
  // without a large anechoic region (a sweep may start or end well beyond the gland, in the
  // bladder); start shapes and the reference frame are taken from it.
  size_t mid_a = 0, mid_b = 1;
  std::vector<cv::Mat> light;      // CV_32F per position: working grid lightly smoothed, echoes kept (urethra)
  std::vector<std::vector<std::array<double, 2>>> needle_echoes;  // per position: needle-like echoes (not catheter walls)
  // Per position: needle echoes seen at the same place on three consecutive positions (a needle
  // runs along the sweep; speckle peaks and a calcification's one or two frames do not).
  std::vector<std::vector<std::array<double, 2>>> needles;
};

// Whether (x, y) in mm falls on a set pixel of `mask` (a working-grid-sized CV_8U image).
inline bool in_mask(const WorkingGrid& g, const cv::Mat& mask, double x, double y) {
  const int c = static_cast<int>(std::lround(g.col(x))), r = static_cast<int>(std::lround(g.row(y)));
  return c >= 0 && r >= 0 && c < mask.cols && r < mask.rows && mask.at<std::uint8_t>(r, c) != 0;
}

// Positions sorted by z (repeated positions averaged), smoothed, echoes filled.
Prepared prepare(const Sweep& sweep, const SegmentationOptions& options);

}  // namespace hdr::imaging::seg
