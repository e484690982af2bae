#pragma once
// Isodose lines on an axial plane: marching squares over one z-plane of the dose grid
// (linear interpolation of the level crossing along each cell edge). Cheap enough to run per
// frame on the UI thread (a 60x60 plane, four levels: well under 0.1 ms).
#include <array>
#include <vector>

#include "ui/state/app_state.hpp"

namespace hdr::ui {

struct Segment2 {
  double x0_mm, y0_mm, x1_mm, y1_mm;
};

// Segments where the dose equals level_Gy on the plane z = z_mm (dose interpolated linearly
// between the two nearest grid planes). Empty when z is outside the grid.
std::vector<Segment2> isodose_segments(const DoseVolume& dose, double z_mm, double level_Gy);

// The same on the sagittal plane x = x_mm; segments are in (z, y) coordinates (x0 = z, y0 = y).
std::vector<Segment2> isodose_segments_sagittal(const DoseVolume& dose, double x_mm, double level_Gy);

// An isodose line as drawn: points in order, closed when it ends where it began.
struct Polyline2 {
  std::vector<std::array<double, 2>> points_mm;
  bool closed = false;
};

// Segments joined end to end (neighbouring cells share their edge crossings) and simplified
// (Douglas-Peucker): every dropped point lies within tolerance_mm of the line drawn. A software
// rasteriser pays per triangle, and a 1 mm dose grid's marching squares give ~1 mm segments
// that a 0.1 mm tolerance (about a pixel on the console) thins out by half or more.
std::vector<Polyline2> join_segments(const std::vector<Segment2>& segments, double tolerance_mm);

// An open polyline simplified the same way (Douglas-Peucker; ends kept): every dropped point
// lies within `tolerance` of the line drawn. The DVH uses it in screen pixels: its curves are
// sampled finely and run flat at 100 % and 0 % for most of the plot.
std::vector<std::array<double, 2>> simplify_polyline(const std::vector<std::array<double, 2>>& points, double tolerance);

}  // namespace hdr::ui
