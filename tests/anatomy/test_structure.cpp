// Extrusion convention, polygon robustness and refusal of malformed contours.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "planner/anatomy/structure.hpp"
#include "planner/common/error.hpp"

using namespace hdr;
using formats::ContourSlice;
using formats::Structure;
using formats::StructureKind;

namespace {
std::vector<formats::Vec2> square(double x0, double y0, double side) {
  return {{x0, y0}, {x0 + side, y0}, {x0 + side, y0 + side}, {x0, y0 + side}};
}
Structure stack(const std::vector<double>& zs, const std::vector<formats::Vec2>& poly) {
  Structure s{"s", StructureKind::target, {}};
  for (double z : zs) s.slices.push_back({z, poly});
  return s;
}
std::string error_of(const Structure& s) {
  try {
    (void)anatomy::StructureGeometry::build(s).volume_cc();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("volume follows the planar extrusion convention (end slabs one full spacing thick)") {
  // 10 x 10 mm squares at z = 0, 5, 10: slabs [-2.5, 2.5), [2.5, 7.5), [7.5, 12.5) -> 15 mm.
  const auto g = anatomy::StructureGeometry::build(stack({0, 5, 10}, square(0, 0, 10)));
  CHECK(g.volume_cc() == doctest::Approx(1.5).epsilon(1e-12));
  CHECK(g.bounds().min_mm[2] == doctest::Approx(-2.5));
  CHECK(g.bounds().max_mm[2] == doctest::Approx(12.5));
  // Uneven spacing z = 0, 2, 6: slabs [-1, 1), [1, 4), [4, 8) -> 9 mm.
  const auto u = anatomy::StructureGeometry::build(stack({0, 2, 6}, square(0, 0, 10)));
  CHECK(u.volume_cc() == doctest::Approx(0.9).epsilon(1e-12));
  CHECK(u.slab_at(0.99).value() == 0);
  CHECK(u.slab_at(1.0).value() == 1);
  CHECK(u.slab_at(7.99).value() == 2);
  CHECK_FALSE(u.slab_at(8.0).has_value());
  CHECK_FALSE(u.slab_at(-1.01).has_value());
}

TEST_CASE("the through-plane inside fraction of a segment follows the slabs exactly") {
  // Squares 10 mm at z = 0 and 5 (slabs [-2.5, 2.5), [2.5, 7.5)), then a 4 mm square at z = 10
  // (slab [7.5, 12.5)): the point (7, 7) is inside the first two slabs, outside the third.
  Structure st = stack({0, 5}, square(0, 0, 10));
  st.slices.push_back({10.0, square(0, 0, 4)});
  const auto g = anatomy::StructureGeometry::build(st);
  CHECK(g.inside_fraction_z(7, 7, 0, 1) == doctest::Approx(1.0));
  CHECK(g.inside_fraction_z(7, 7, -3.5, -1.5) == doctest::Approx(0.5));   // half below the first slab
  CHECK(g.inside_fraction_z(7, 7, 6.5, 8.5) == doctest::Approx(0.5));     // half in the small slab, outside it
  CHECK(g.inside_fraction_z(2, 2, 6.5, 8.5) == doctest::Approx(1.0));     // inside both
  CHECK(g.inside_fraction_z(7, 7, 12.5, 13.5) == doctest::Approx(0.0));   // beyond the last slab
  CHECK(g.inside_fraction_z(20, 7, 0, 1) == doctest::Approx(0.0));        // outside in-plane
  // A cell centred on the plane z = 7.5: contains() gives the upper slab's answer for all of it.
  CHECK_FALSE(g.contains(7, 7, 7.5));
  CHECK(g.inside_fraction_z(7, 7, 7.0, 8.0) == doctest::Approx(0.5));
}

TEST_CASE("either winding order gives the same area, volume and inside test") {
  auto poly = square(-5, -5, 10);
  const auto a = anatomy::StructureGeometry::build(stack({0, 5}, poly));
  std::reverse(poly.begin(), poly.end());
  const auto b = anatomy::StructureGeometry::build(stack({0, 5}, poly));
  CHECK(a.volume_cc() == doctest::Approx(b.volume_cc()));
  CHECK(a.volume_cc() == doctest::Approx(1.0));
  for (double x = -6; x <= 6; x += 0.7)
    for (double y = -6; y <= 6; y += 0.7) CHECK(a.contains(x, y, 1) == b.contains(x, y, 1));
}

TEST_CASE("concave outlines: an L shape's notch is outside, its area exact") {
  // L: 10x10 square minus the 5x5 upper-right quarter -> 75 mm^2.
  const std::vector<formats::Vec2> L = {{0, 0}, {10, 0}, {10, 5}, {5, 5}, {5, 10}, {0, 10}};
  const auto g = anatomy::StructureGeometry::build(stack({0, 1}, L));
  CHECK(g.slabs()[0].polygon.area_mm2() == doctest::Approx(75.0));
  CHECK(g.volume_cc() == doctest::Approx(0.15));  // two slabs of 1 mm
  CHECK(g.contains(2, 8, 0));
  CHECK(g.contains(8, 2, 0));
  CHECK_FALSE(g.contains(8, 8, 0));  // the notch
  CHECK(g.signed_inplane_distance_mm(8, 8, 0).value() == doctest::Approx(3.0));
  CHECK(g.signed_inplane_distance_mm(2, 2, 0).value() == doctest::Approx(-2.0));
}

TEST_CASE("a single slice has no thickness: kept, but refused where a volume is needed") {
  const auto g = anatomy::StructureGeometry::build(stack({3}, square(0, 0, 10)));
  CHECK_FALSE(g.has_volume());
  CHECK_FALSE(g.contains(5, 5, 3));
  const std::string e = error_of(stack({3}, square(0, 0, 10)));
  CHECK(e.find("single slice") != std::string::npos);
  CHECK(e.find("'s'") != std::string::npos);
}

TEST_CASE("malformed contours are refused with the structure and slice named") {
  // Bow tie: crossing edges.
  const std::vector<formats::Vec2> bow = {{0, 0}, {10, 10}, {10, 0}, {0, 6}};
  std::string e = error_of(stack({0, 5}, bow));
  CHECK(e.find("crosses itself") != std::string::npos);
  CHECK(e.find("slice 0") != std::string::npos);
  // Too few points.
  e = error_of(stack({0, 5}, {{0, 0}, {1, 0}}));
  CHECK(e.find("at least 3 points") != std::string::npos);
  // Collinear: no area.
  e = error_of(stack({0, 5}, {{0, 0}, {1, 0}, {2, 0}}));
  CHECK(e.find("no area") != std::string::npos);
  // Not finite.
  e = error_of(stack({0, 5}, {{0, 0}, {1, NAN}, {2, 3}}));
  CHECK(e.find("not finite") != std::string::npos);
  // Slices out of order / duplicated.
  Structure s = stack({5, 0}, square(0, 0, 1));
  e = error_of(s);
  CHECK(e.find("strictly increasing") != std::string::npos);
}
