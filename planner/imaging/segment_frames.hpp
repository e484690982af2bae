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
  // CV_32F per position: the working grid's local standard deviation (speckle: tissue
  // of any brightness has it, anechoic fluid at the display's floor has next to none).
  std::vector<cv::Mat> texture;
  std::vector<double> speckle_sd;  // per position: the median of `texture` over the imaged region
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

// Anechoic fluid has no speckle: a dark pixel is fluid only where the frame's local standard
// deviation over 3 mm is under this share of its median over the imaged region. By grey level
// alone (under a quarter of the frame's median) a dark gland at 6 dB less gain was fluid too
// (seed 2016: the whole gland, so the sweep's middle was taken before the apex and the gland
// was found on 2 of 12 slices); its speckle keeps a third of the tissue's local deviation, the
// bladder's next to none. The local deviation is taken over kTextureWindow_mm; it tells fluid
// apart only near the display's floor (kClippedBelowShare, see is_fluid).
constexpr double kFluidTextureShare = 0.15;
constexpr double kTextureWindow_mm = 3.0;
constexpr double kClippedBelowShare = 0.5;

// Whether (x, y) at position k is anechoic fluid: its smoothed grey level under `fluid_below`
// and no speckle there (a dark gland at low gain is as dark, but textured).
inline bool is_fluid(const Prepared& p, size_t k, double x, double y, double level, double fluid_below) {
  if (!(level < fluid_below)) return false;
  // Well above the display's floor, tissue's speckle is not clipped and the level tells; near
  // it (a threshold under half the speckle's own deviation), only the texture does. (The
  // texture everywhere let contours reach 1-2 mm into the bladder, whose rim is textured in a
  // 3 mm window: seed 111, volume +8.6 -> +11 %.)
  if (fluid_below >= kClippedBelowShare * p.speckle_sd[k]) return true;
  const WorkingGrid& g = p.grids[k];
  return static_cast<double>(WorkingGrid::sample_mat(p.texture[k], g.col(x), g.row(y))) < kFluidTextureShare * p.speckle_sd[k];
}

// Positions sorted by z (repeated positions averaged), smoothed, echoes filled.
Prepared prepare(const Sweep& sweep, const SegmentationOptions& options);

}  // namespace hdr::imaging::seg
