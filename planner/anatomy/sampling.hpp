#pragma once
// Point sets for optimisation: deterministic, seeded samples of a structure's surface and
// volume at a chosen density (IPSA-style dose points; Lessard & Pouliot, Med Phys 28 (2001) 773).
//   volume:  one point per cubic cell of side `spacing_mm`, uniformly jittered in its cell,
//            kept when inside -> an unbiased density of 1/spacing³ over the extruded solid.
//   surface: lateral wall points every `spacing_mm` along each slab's outline (random phase),
//            one ring per `spacing_mm` of slab thickness on average (fractional rings drawn) at random heights, plus the two
//            end caps on a jittered in-plane grid. Steps between slabs of different outline
//            are not sampled (the walls either side carry the constraint).
// Same inputs and seed give the same points on every platform (anatomy/random.hpp).
#include <array>
#include <cstdint>
#include <vector>

#include "planner/anatomy/structure.hpp"

namespace hdr::anatomy {

using Point3 = std::array<double, 3>;

std::vector<Point3> sample_volume_points(const StructureGeometry& s, double spacing_mm, uint64_t seed);
std::vector<Point3> sample_surface_points(const StructureGeometry& s, double spacing_mm, uint64_t seed);

}  // namespace hdr::anatomy
