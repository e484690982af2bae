#pragma once
// Plain image and sweep types of the imaging area. OpenCV stays inside planner/imaging: the
// rest of the project (console, tools) sees only these values.
//
// Geometry (formats/README.md, hdr-trus/1): pixel (column i, row j) lies at
//   x_mm = origin_mm[0] + i * spacing_mm[0],  y_mm = origin_mm[1] + (rows - 1 - j) * spacing_mm[1]
// so row 0 is the anterior top of the image, the probe is at the bottom and its axis at (0, 0).
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace hdr::imaging {

struct GrayImage {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> pixels;           // row-major, width * height
  std::array<double, 2> spacing_mm{0.2, 0.2};  // column (x) and row (y) pixel size
  std::array<double, 2> origin_mm{0.0, 0.0};   // patient (x, y) of the bottom-left pixel

  std::uint8_t at(int i, int j) const { return pixels[static_cast<size_t>(j) * static_cast<size_t>(width) + static_cast<size_t>(i)]; }
  double x_mm(double i) const { return origin_mm[0] + i * spacing_mm[0]; }
  double y_mm(double j) const { return origin_mm[1] + (height - 1 - j) * spacing_mm[1]; }
  double col_of_x(double x) const { return (x - origin_mm[0]) / spacing_mm[0]; }
  double row_of_y(double y) const { return (height - 1) - (y - origin_mm[1]) / spacing_mm[1]; }
};

// One axial frame with the stepper position it was taken at.
struct Frame {
  GrayImage image;
  double z_mm = 0.0;        // stepper position along the probe axis (apex -> base increasing)
  double timestamp_s = 0.0; // acquisition time (source clock)
};

// A sweep: frames in acquisition order. All frames share one size, spacing and origin
// (checked by validate_sweep).
struct Sweep {
  std::vector<Frame> frames;
};

// Throws hdr::Error naming `what` and the frame when frames differ in size/spacing/origin,
// are empty, or when z_mm is not monotonic (repeated positions are allowed: the stepper may
// dwell; a reversal is reported, never silently used).
void validate_sweep(const Sweep& sweep, const std::string& what);

}  // namespace hdr::imaging
