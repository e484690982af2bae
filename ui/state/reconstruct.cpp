#include "ui/state/reconstruct.hpp"

#include <cmath>

#include "planner/common/error.hpp"

namespace hdr::ui {

GrayImage sagittal_from_sweep(const Sweep& sweep, double x_mm) {
  require(sweep.frames.size() >= 2, "sagittal reconstruction: a sweep needs at least 2 frames");
  const GrayImage& f0 = sweep.frames.front();
  for (const auto& f : sweep.frames)
    require(f.width == f0.width && f.height == f0.height && f.spacing_mm[0] == f0.spacing_mm[0] &&
                f.spacing_mm[1] == f0.spacing_mm[1] && f.origin_mm[0] == f0.origin_mm[0] &&
                f.origin_mm[1] == f0.origin_mm[1],
            "sagittal reconstruction: frames differ in size or geometry (frame at z = " + std::to_string(f.z_mm) + " mm)");
  const double col = (x_mm - f0.origin_mm[0]) / f0.spacing_mm[0];
  require(col >= 0.0 && col <= f0.width - 1, "sagittal reconstruction: x = " + std::to_string(x_mm) + " mm outside the frames");
  const int c0 = static_cast<int>(std::floor(col));
  const int c1 = std::min(c0 + 1, f0.width - 1);
  const double w = col - c0;
  GrayImage out;
  out.width = static_cast<int>(sweep.frames.size());
  out.height = f0.height;
  out.pixels.resize(static_cast<size_t>(out.width) * static_cast<size_t>(out.height));
  const double span = sweep.frames.back().z_mm - f0.z_mm;
  out.spacing_mm[0] = span / static_cast<double>(sweep.frames.size() - 1);
  out.spacing_mm[1] = f0.spacing_mm[1];
  out.origin_mm[0] = f0.z_mm;
  out.origin_mm[1] = f0.origin_mm[1];
  out.z_mm = x_mm;
  for (int k = 0; k < out.width; ++k) {
    const GrayImage& f = sweep.frames[static_cast<size_t>(k)];
    for (int j = 0; j < out.height; ++j) {
      const size_t row = static_cast<size_t>(j) * static_cast<size_t>(f.width);
      const double v = (1.0 - w) * f.pixels[row + static_cast<size_t>(c0)] + w * f.pixels[row + static_cast<size_t>(c1)];
      out.pixels[static_cast<size_t>(j) * static_cast<size_t>(out.width) + static_cast<size_t>(k)] =
          static_cast<std::uint8_t>(std::lround(v));
    }
  }
  return out;
}

}  // namespace hdr::ui
