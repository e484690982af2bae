// Isodose lines against an analytic field: for dose = A / r^2 around a point, the line at a
// level L is the circle r = sqrt(A / L); every segment end must lie on it (to grid accuracy).
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "ui/state/isodose.hpp"

using namespace hdr::ui;

namespace {
DoseVolume point_source_field(double A) {
  DoseVolume d;
  for (int k = 0; k < 3; ++k) {
    d.origin_mm[k] = -30.0;
    d.spacing_mm[k] = 1.0;
    d.dims[k] = 61;
  }
  d.dose_Gy.resize(61 * 61 * 61);
  for (int k = 0; k < 61; ++k)
    for (int j = 0; j < 61; ++j)
      for (int i = 0; i < 61; ++i) {
        const double x = -30.0 + i, y = -30.0 + j, z = -30.0 + k;
        const double r2 = std::max(x * x + y * y + z * z, 0.25);
        d.dose_Gy[(static_cast<size_t>(k) * 61 + static_cast<size_t>(j)) * 61 + static_cast<size_t>(i)] = static_cast<float>(A / r2);
      }
  return d;
}
}  // namespace

TEST_CASE("axial isodose segments lie on the analytic circle") {
  const double A = 1500.0;
  const DoseVolume d = point_source_field(A);
  for (double level : {15.0, 7.5, 30.0}) {
    const double r_expected = std::sqrt(A / level);
    const auto segs = isodose_segments(d, 0.0, level);
    REQUIRE(segs.size() > 20);
    double circumference = 0.0;
    for (const auto& s : segs) {
      // Linear interpolation of a 1/r^2 field between 1 mm nodes: within a few % of the radius.
      CHECK(std::hypot(s.x0_mm, s.y0_mm) == doctest::Approx(r_expected).epsilon(0.03));
      CHECK(std::hypot(s.x1_mm, s.y1_mm) == doctest::Approx(r_expected).epsilon(0.03));
      circumference += std::hypot(s.x1_mm - s.x0_mm, s.y1_mm - s.y0_mm);
    }
    // The segments close the circle: total length ~ 2 pi r (the polygon is slightly longer).
    CHECK(circumference == doctest::Approx(2 * M_PI * r_expected).epsilon(0.08));
  }
}

TEST_CASE("isodoses off the plane of the grid, and levels nowhere reached, give nothing") {
  const DoseVolume d = point_source_field(1500.0);
  CHECK(isodose_segments(d, 31.0, 15.0).empty());   // beyond the last plane
  CHECK(isodose_segments(d, -30.5, 15.0).empty());  // before the first
  CHECK(isodose_segments(d, 0.0, 1e6).empty());     // hotter than any voxel
}

TEST_CASE("between planes the dose is interpolated: the circle at z shrinks as sqrt(A/L - z^2)") {
  const double A = 1500.0, level = 7.5, z = 5.5;
  const DoseVolume d = point_source_field(A);
  const auto segs = isodose_segments(d, z, level);
  REQUIRE(!segs.empty());
  const double r_expected = std::sqrt(A / level - z * z);
  for (const auto& s : segs) CHECK(std::hypot(s.x0_mm, s.y0_mm) == doctest::Approx(r_expected).epsilon(0.04));
}

TEST_CASE("sagittal isodoses are in (z, y)") {
  const double A = 1500.0, level = 15.0;
  const DoseVolume d = point_source_field(A);
  const auto segs = isodose_segments_sagittal(d, 0.0, level);
  REQUIRE(segs.size() > 20);
  for (const auto& s : segs) CHECK(std::hypot(s.x0_mm, s.y0_mm) == doctest::Approx(std::sqrt(A / level)).epsilon(0.03));
}

TEST_CASE("segments join into one closed line per circle, simplified within tolerance") {
  const double A = 1500.0, level = 15.0, tolerance_mm = 0.1;
  const DoseVolume d = point_source_field(A);
  const auto segs = isodose_segments(d, 0.0, level);
  const auto lines = join_segments(segs, tolerance_mm);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].closed);
  // Fewer points than segments (a 10 mm circle from 1 mm cells: 78 segments, and 6 of zero
  // length where the level falls exactly on a grid node).
  CHECK(lines[0].points_mm.size() < segs.size() / 2);
  CHECK(lines[0].points_mm.size() >= 8);
  // Every segment end lies within the tolerance of the closed line drawn.
  auto distance_to_line = [](const std::vector<std::array<double, 2>>& pts, double x, double y) {
    double best = 1e9;
    for (size_t k = 0; k < pts.size(); ++k) {
      const auto& a = pts[k];
      const auto& b = pts[(k + 1) % pts.size()];
      const double dx = b[0] - a[0], dy = b[1] - a[1], len2 = dx * dx + dy * dy;
      const double t = std::clamp(((x - a[0]) * dx + (y - a[1]) * dy) / len2, 0.0, 1.0);
      best = std::min(best, std::hypot(x - a[0] - t * dx, y - a[1] - t * dy));
    }
    return best;
  };
  for (const auto& s : segs) {
    CHECK(distance_to_line(lines[0].points_mm, s.x0_mm, s.y0_mm) <= tolerance_mm + 1e-9);
    CHECK(distance_to_line(lines[0].points_mm, s.x1_mm, s.y1_mm) <= tolerance_mm + 1e-9);
  }
  // Tolerance 0: only exactly collinear points go; the line passes through every segment end.
  const auto exact = join_segments(segs, 0.0);
  REQUIRE(exact.size() == 1);
  CHECK(exact[0].points_mm.size() > lines[0].points_mm.size());
  for (const auto& s : segs) CHECK(distance_to_line(exact[0].points_mm, s.x0_mm, s.y0_mm) < 1e-9);
}

TEST_CASE("a line cut by the grid's edge stays open; two circles stay two lines") {
  // The 15 Gy circle (r = 10 mm) centred 25 mm from the grid's edge at x = -30... shifted so
  // that it leaves the grid: dose A / ((x - 25)^2 + y^2) on a grid spanning x up to +30.
  DoseVolume d;
  for (int k = 0; k < 3; ++k) {
    d.origin_mm[k] = -30.0;
    d.spacing_mm[k] = 1.0;
    d.dims[k] = 61;
  }
  d.dose_Gy.assign(61 * 61 * 61, 0.0F);
  for (int k = 0; k < 61; ++k)
    for (int j = 0; j < 61; ++j)
      for (int i = 0; i < 61; ++i) {
        const double x = -30.0 + i, y = -30.0 + j, z = -30.0 + k;
        const double r2a = std::max((x - 25) * (x - 25) + y * y + z * z, 0.25);
        const double r2b = std::max((x + 15) * (x + 15) + y * y + z * z, 0.25);
        d.dose_Gy[(static_cast<size_t>(k) * 61 + static_cast<size_t>(j)) * 61 + static_cast<size_t>(i)] =
            static_cast<float>(1500.0 / r2a + 1500.0 / r2b);
      }
  const auto lines = join_segments(isodose_segments(d, 0.0, 15.0), 0.1);
  REQUIRE(lines.size() == 2);
  int open = 0, closed = 0;
  for (const auto& l : lines) (l.closed ? closed : open)++;
  CHECK(open == 1);
  CHECK(closed == 1);
  for (const auto& l : lines)
    if (!l.closed) {
      // Both ends on the grid's edge x = +30.
      CHECK(l.points_mm.front()[0] == doctest::Approx(30.0));
      CHECK(l.points_mm.back()[0] == doctest::Approx(30.0));
    }
}

TEST_CASE("an open polyline (the DVH's curves) keeps its ends and stays within tolerance") {
  // A DVH-like curve in pixels: flat at the top, a smooth fall, flat at the bottom.
  std::vector<std::array<double, 2>> curve;
  for (int i = 0; i <= 400; ++i) {
    const double x = i * 2.0;
    curve.push_back({x, 300.0 / (1.0 + std::exp((x - 400.0) / 30.0))});
  }
  const auto simple = simplify_polyline(curve, 0.25);
  REQUIRE(simple.size() >= 2);
  CHECK(simple.front() == curve.front());
  CHECK(simple.back() == curve.back());
  CHECK(simple.size() < curve.size() / 3);
  // Every original point lies within the tolerance of the simplified line.
  for (const auto& p : curve) {
    double best = 1e9;
    for (size_t k = 0; k + 1 < simple.size(); ++k) {
      const auto& a = simple[k];
      const auto& b = simple[k + 1];
      const double dx = b[0] - a[0], dy = b[1] - a[1];
      const double t = std::clamp(((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / (dx * dx + dy * dy), 0.0, 1.0);
      best = std::min(best, std::hypot(p[0] - (a[0] + t * dx), p[1] - (a[1] + t * dy)));
    }
    CHECK(best <= 0.25 + 1e-9);
  }
  // A straight line is its two ends; two points stay as they are.
  CHECK(simplify_polyline({{0, 0}, {1, 1}, {2, 2}, {3, 3}}, 0.01).size() == 2);
  CHECK(simplify_polyline({{0, 0}, {5, 1}}, 0.01).size() == 2);
}
