#pragma once
// The edge between OpenCV and the project's plain image types (internal to planner/imaging).
#include <array>
#include <opencv2/core.hpp>

#include "planner/imaging/image.hpp"

namespace hdr::imaging {

// A cv::Mat header over the image's pixels (no copy; valid while `image` lives, read-only use).
inline cv::Mat view_of(const GrayImage& image) {
  return cv::Mat(image.height, image.width, CV_8UC1, const_cast<std::uint8_t*>(image.pixels.data()));
}

// Copies an 8-bit single-channel Mat into a GrayImage.
inline GrayImage to_gray_image(const cv::Mat& m8, std::array<double, 2> spacing_mm, std::array<double, 2> origin_mm) {
  CV_Assert(m8.type() == CV_8UC1);
  GrayImage g;
  g.width = m8.cols;
  g.height = m8.rows;
  g.spacing_mm = spacing_mm;
  g.origin_mm = origin_mm;
  g.pixels.resize(static_cast<size_t>(g.width) * static_cast<size_t>(g.height));
  for (int r = 0; r < m8.rows; ++r) {
    const std::uint8_t* src = m8.ptr<std::uint8_t>(r);
    std::copy(src, src + g.width, g.pixels.begin() + static_cast<std::ptrdiff_t>(r) * g.width);
  }
  return g;
}

}  // namespace hdr::imaging
