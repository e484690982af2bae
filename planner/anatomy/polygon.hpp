#pragma once
// A closed planar polygon (one contour slice) and the 2D geometry the anatomy needs:
// area, even-odd inside test, scanline crossings, distance to the boundary.
// The even-odd rule makes every test independent of the winding order, and is exact for
// concave outlines; self-intersecting outlines are refused up front (check_simple).
#include <optional>
#include <string>
#include <vector>

#include "planner/formats/types.hpp"

namespace hdr::anatomy {

class Polygon {
 public:
  Polygon() = default;
  explicit Polygon(const std::vector<formats::Vec2>& points_mm);

  size_t size() const { return x_.size(); }
  double x(size_t i) const { return x_[i]; }
  double y(size_t i) const { return y_[i]; }

  double area_mm2() const { return area_mm2_; }  // always >= 0 whatever the winding
  double perimeter_mm() const;
  double min_x() const { return min_x_; }
  double max_x() const { return max_x_; }
  double min_y() const { return min_y_; }
  double max_y() const { return max_y_; }

  // Even-odd rule (points exactly on an edge may fall either way).
  bool contains(double x_mm, double y_mm) const;
  // x coordinates where the horizontal line y = y_mm crosses an edge, sorted ascending;
  // consecutive pairs bound the inside intervals. Cleared first; allocates only to grow.
  void row_crossings(double y_mm, std::vector<double>& xs) const;
  // Euclidean distance from (x, y) to the nearest edge.
  double distance_to_boundary_mm(double x_mm, double y_mm) const;

  // Describes the first pair of non-adjacent edges that intersect, or nothing when the
  // outline is simple.
  std::optional<std::string> self_intersection() const;

 private:
  std::vector<double> x_, y_;
  double area_mm2_ = 0, min_x_ = 0, max_x_ = 0, min_y_ = 0, max_y_ = 0;
};

}  // namespace hdr::anatomy
