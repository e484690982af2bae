#pragma once
// The urethra's lumen on one frame (internal to planner/imaging): used for the urethra contour
// and, as an anatomical prior, for the choice of the gland's start shape.
#include <array>
#include <opencv2/core.hpp>
#include <vector>

#include "planner/imaging/working_grid.hpp"

namespace hdr::imaging::seg {

// How far from the gland's centre the urethra is looked for, as a share of the gland's mean
// radius: it runs near the centre, often anterior of it (0.6 found more false lumens than
// it gained true ones).
constexpr double kUrethraReach = 0.45;

// Urethra response at (x, y) on the lightly smoothed frame: a lumen darker than the ring around
// it, in grey levels; -inf on or behind a needle echo.
double urethra_response(const WorkingGrid& g, const cv::Mat& light, const std::vector<std::array<double, 2>>& needles, double x, double y);

// The urethra's centre on one frame: the best lumen response within `reach` of (cx, cy), with a
// mild pull towards (cx, cy).
std::array<double, 2> find_urethra(const WorkingGrid& g, const cv::Mat& light, const std::vector<std::array<double, 2>>& needles, double cx,
                                   double cy, double reach, double scale);

}  // namespace hdr::imaging::seg
