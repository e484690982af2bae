#include "planner/anatomy/polygon.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace hdr::anatomy {

Polygon::Polygon(const std::vector<formats::Vec2>& points_mm) {
  x_.reserve(points_mm.size());
  y_.reserve(points_mm.size());
  for (const auto& p : points_mm) {
    x_.push_back(p[0]);
    y_.push_back(p[1]);
  }
  if (x_.empty()) return;
  double a2 = 0;
  for (size_t i = 0, j = x_.size() - 1; i < x_.size(); j = i++) a2 += x_[j] * y_[i] - x_[i] * y_[j];
  area_mm2_ = 0.5 * std::fabs(a2);
  min_x_ = *std::min_element(x_.begin(), x_.end());
  max_x_ = *std::max_element(x_.begin(), x_.end());
  min_y_ = *std::min_element(y_.begin(), y_.end());
  max_y_ = *std::max_element(y_.begin(), y_.end());
}

double Polygon::perimeter_mm() const {
  double p = 0;
  for (size_t i = 0, j = x_.size() - 1; i < x_.size(); j = i++) p += std::hypot(x_[i] - x_[j], y_[i] - y_[j]);
  return p;
}

bool Polygon::contains(double px, double py) const {
  if (px < min_x_ || px > max_x_ || py < min_y_ || py > max_y_) return false;
  bool inside = false;
  for (size_t i = 0, j = x_.size() - 1; i < x_.size(); j = i++) {
    // Half-open rule on y so a vertex on the scanline is counted once.
    if ((y_[i] > py) != (y_[j] > py)) {
      const double xc = x_[j] + (py - y_[j]) * (x_[i] - x_[j]) / (y_[i] - y_[j]);
      if (px < xc) inside = !inside;
    }
  }
  return inside;
}

void Polygon::row_crossings(double py, std::vector<double>& xs) const {
  xs.clear();
  if (py < min_y_ || py > max_y_) return;
  for (size_t i = 0, j = x_.size() - 1; i < x_.size(); j = i++)
    if ((y_[i] > py) != (y_[j] > py)) xs.push_back(x_[j] + (py - y_[j]) * (x_[i] - x_[j]) / (y_[i] - y_[j]));
  std::sort(xs.begin(), xs.end());
}

double Polygon::distance_to_boundary_mm(double px, double py) const {
  double best2 = std::numeric_limits<double>::infinity();
  for (size_t i = 0, j = x_.size() - 1; i < x_.size(); j = i++) {
    const double ex = x_[i] - x_[j], ey = y_[i] - y_[j];
    const double len2 = ex * ex + ey * ey;
    double t = len2 > 0 ? ((px - x_[j]) * ex + (py - y_[j]) * ey) / len2 : 0.0;
    t = std::clamp(t, 0.0, 1.0);
    const double dx = x_[j] + t * ex - px, dy = y_[j] + t * ey - py;
    best2 = std::min(best2, dx * dx + dy * dy);
  }
  return std::sqrt(best2);
}

namespace {
double orient(double ax, double ay, double bx, double by, double cx, double cy) {
  return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
}
bool segments_intersect(double ax, double ay, double bx, double by, double cx, double cy, double dx, double dy) {
  const double d1 = orient(cx, cy, dx, dy, ax, ay), d2 = orient(cx, cy, dx, dy, bx, by);
  const double d3 = orient(ax, ay, bx, by, cx, cy), d4 = orient(ax, ay, bx, by, dx, dy);
  if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) return true;
  auto on_segment = [](double px, double py, double qx, double qy, double rx, double ry) {
    return std::min(px, qx) <= rx && rx <= std::max(px, qx) && std::min(py, qy) <= ry && ry <= std::max(py, qy);
  };
  if (d1 == 0 && on_segment(cx, cy, dx, dy, ax, ay)) return true;
  if (d2 == 0 && on_segment(cx, cy, dx, dy, bx, by)) return true;
  if (d3 == 0 && on_segment(ax, ay, bx, by, cx, cy)) return true;
  if (d4 == 0 && on_segment(ax, ay, bx, by, dx, dy)) return true;
  return false;
}
}  // namespace

std::optional<std::string> Polygon::self_intersection() const {
  const size_t n = x_.size();
  for (size_t i = 0; i < n; ++i) {
    const size_t i2 = (i + 1) % n;
    for (size_t k = i + 2; k < n; ++k) {
      const size_t k2 = (k + 1) % n;
      if (k2 == i) continue;  // adjacent through the closing edge
      if (segments_intersect(x_[i], y_[i], x_[i2], y_[i2], x_[k], y_[k], x_[k2], y_[k2]))
        return "edge " + std::to_string(i) + "-" + std::to_string(i2) + " crosses edge " + std::to_string(k) + "-" +
               std::to_string(k2);
    }
  }
  return std::nullopt;
}

}  // namespace hdr::anatomy
