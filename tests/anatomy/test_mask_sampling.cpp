// Voxel masks at several resolutions and the seeded point sampling.
#include <doctest/doctest.h>

#include <cmath>
#include <numbers>

#include "planner/anatomy/mask.hpp"
#include "planner/anatomy/sampling.hpp"
#include "planner/common/error.hpp"

using namespace hdr;

namespace {
formats::Structure cylinder(double r, double x0, double y0, double z0, double z1, double dz, int n = 90) {
  formats::Structure s{"cyl", formats::StructureKind::organ_at_risk, {}};
  for (double z = z0; z <= z1 + 1e-9; z += dz) {
    formats::ContourSlice sl{z, {}};
    for (int i = 0; i < n; ++i)
      sl.points_mm.push_back({x0 + r * std::cos(2 * std::numbers::pi * i / n), y0 + r * std::sin(2 * std::numbers::pi * i / n)});
    s.slices.push_back(sl);
  }
  return s;
}
formats::Structure box(double x0, double x1, double y0, double y1, std::vector<double> zs) {
  formats::Structure s{"box", formats::StructureKind::target, {}};
  for (double z : zs) s.slices.push_back({z, {{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}}});
  return s;
}
}  // namespace

TEST_CASE("mask volume converges to the extruded volume at any resolution") {
  const auto g = anatomy::StructureGeometry::build(cylinder(12.0, 1.3, -0.7, 0, 40, 5));
  const double v = g.volume_cc();
  // Polygon area of a 90-gon: n/2 r^2 sin(2 pi/n); 9 slices * 5 mm.
  CHECK(v == doctest::Approx(45.0 * 45.0 * 144.0 * std::sin(2 * std::numbers::pi / 90) / 1000.0).epsilon(1e-9));
  for (double h : {2.0, 1.0, 0.5, 0.3}) {
    const auto grid = anatomy::grid_covering(g, h, h);
    const auto mask = anatomy::voxel_mask(g, grid);
    size_t n = 0;
    for (auto m : mask) n += m;
    const double mv = static_cast<double>(n) * h * h * h / 1000.0;
    INFO("h = " << h << " mask volume " << mv << " vs " << v);
    CHECK(std::fabs(mv - v) / v < 0.02 * h);
    CHECK(anatomy::inside_voxel_centres(g, grid).size() == n);
  }
}

TEST_CASE("touching structures share a boundary without sharing a voxel") {
  // Two boxes sharing the plane x = 0, with voxel centres exactly on it.
  const auto left = anatomy::StructureGeometry::build(box(-10, 0, -5, 5, {0, 5, 10}));
  const auto right = anatomy::StructureGeometry::build(box(0, 10, -5, 5, {0, 5, 10}));
  const auto both = anatomy::StructureGeometry::build(box(-10, 10, -5, 5, {0, 5, 10}));
  anatomy::VoxelGrid g;
  g.origin_mm = {-12, -7, -4};
  g.spacing_mm = {1, 1, 1};
  g.dims = {25, 15, 18};
  const auto ml = anatomy::voxel_mask(left, g), mr = anatomy::voxel_mask(right, g), mb = anatomy::voxel_mask(both, g);
  size_t overlap = 0, mismatch = 0, nb = 0;
  for (size_t i = 0; i < mb.size(); ++i) {
    overlap += ml[i] && mr[i];
    mismatch += (ml[i] || mr[i]) != (mb[i] != 0);
    nb += mb[i];
  }
  CHECK(overlap == 0);
  CHECK(mismatch == 0);
  CHECK(nb > 0);
}

TEST_CASE("volume sampling: deterministic, inside, density 1/h^3") {
  const auto g = anatomy::StructureGeometry::build(cylinder(10.0, 0, 20, -10, 30, 2.5));
  const auto a = anatomy::sample_volume_points(g, 2.0, 7);
  const auto b = anatomy::sample_volume_points(g, 2.0, 7);
  const auto c = anatomy::sample_volume_points(g, 2.0, 8);
  REQUIRE(a.size() > 100);
  CHECK(a == b);
  CHECK(a != c);
  for (const auto& p : a) CHECK(g.contains(p[0], p[1], p[2]));
  const double expected = g.volume_cc() * 1000.0 / 8.0;
  CHECK(std::fabs(static_cast<double>(a.size()) - expected) / expected < 0.05);
}

TEST_CASE("surface sampling: points on the wall or the end caps, spaced as asked") {
  const double r = 10.0;
  const auto g = anatomy::StructureGeometry::build(cylinder(r, 0, 0, 0, 40, 5, 180));
  const auto pts = anatomy::sample_surface_points(g, 2.0, 3);
  CHECK(pts == anatomy::sample_surface_points(g, 2.0, 3));
  size_t wall = 0, cap = 0;
  for (const auto& p : pts) {
    const double rho = std::hypot(p[0], p[1]);
    const bool on_cap = std::fabs(p[2] - (-2.5)) < 1e-6 || std::fabs(p[2] - 42.5) < 1e-6;
    const bool on_wall = std::fabs(rho - r) < 0.01;  // 180-gon: chord sag < 0.002 mm
    CHECK((on_cap || on_wall));
    if (on_cap) ++cap;
    else ++wall;
    CHECK(p[2] >= -2.5);
    CHECK(p[2] < 42.5);
  }
  // Lateral area 2 pi r * 45 mm at one point per 4 mm^2 on average (the fractional rings of the
  // 9 slabs are drawn: about 7 % standard deviation); caps 2 pi r^2 likewise.
  CHECK(static_cast<double>(wall) == doctest::Approx(2 * std::numbers::pi * r * 45 / 4).epsilon(0.2));
  CHECK(static_cast<double>(cap) == doctest::Approx(2 * std::numbers::pi * r * r / 4).epsilon(0.12));
}

TEST_CASE("bad grids and spacings are refused") {
  const auto g = anatomy::StructureGeometry::build(cylinder(5, 0, 0, 0, 10, 5));
  CHECK_THROWS_AS(anatomy::sample_volume_points(g, 0.0, 1), hdr::Error);
  CHECK_THROWS_AS(anatomy::sample_surface_points(g, -1.0, 1), hdr::Error);
  anatomy::VoxelGrid bad;
  bad.spacing_mm = {1, 0, 1};
  bad.dims = {2, 2, 2};
  CHECK_THROWS_AS(anatomy::voxel_mask(g, bad), hdr::Error);
}
