#pragma once
// A frame reduced to a coarse float grid in patient millimetres (internal to planner/imaging).
#include <algorithm>
#include <cmath>
#include <opencv2/core.hpp>
#include <vector>

#include "planner/imaging/image.hpp"

namespace hdr::imaging {

struct WorkingGrid {
  cv::Mat img;          // CV_32F, smoothed intensities
  double step_mm = 0.5;    // x step
  double step_y_mm = 0.5;  // y step
  double x0_mm = 0.0;   // x of column 0's centre
  double ytop_mm = 0.0; // y of row 0's centre (rows go posterior-wards)

  double col(double x) const { return (x - x0_mm) / step_mm; }
  double row(double y) const { return (ytop_mm - y) / step_y_mm; }
  double x(double c) const { return x0_mm + c * step_mm; }
  double y(double r) const { return ytop_mm - r * step_y_mm; }
  bool inside(double x_mm, double y_mm) const {
    const double c = col(x_mm), r = row(y_mm);
    return c >= 0.0 && r >= 0.0 && c <= img.cols - 1.0 && r <= img.rows - 1.0;
  }
  // Bilinear sample; callers check inside() first.
  float sample(double x_mm, double y_mm) const { return sample_mat(img, col(x_mm), row(y_mm)); }
  static float sample_mat(const cv::Mat& m, double c, double r) {
    const int c0 = std::clamp(static_cast<int>(std::floor(c)), 0, m.cols - 2);
    const int r0 = std::clamp(static_cast<int>(std::floor(r)), 0, m.rows - 2);
    const float fc = static_cast<float>(std::clamp(c - c0, 0.0, 1.0)), fr = static_cast<float>(std::clamp(r - r0, 0.0, 1.0));
    const float* a = m.ptr<float>(r0);
    const float* b = m.ptr<float>(r0 + 1);
    return (a[c0] * (1 - fc) + a[c0 + 1] * fc) * (1 - fr) + (b[c0] * (1 - fc) + b[c0 + 1] * fc) * fr;
  }
};

// Resamples an 8-bit frame to a float grid of `step_mm` (area averaging), no smoothing.
WorkingGrid make_working_grid(const GrayImage& image, double step_mm);

}  // namespace hdr::imaging
