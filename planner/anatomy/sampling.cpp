#include "planner/anatomy/sampling.hpp"

#include <cmath>

#include "planner/anatomy/random.hpp"
#include "planner/common/error.hpp"

namespace hdr::anatomy {

namespace {
void check_spacing(const StructureGeometry& s, double spacing_mm) {
  require(std::isfinite(spacing_mm) && spacing_mm > 0.05,
          "sampling spacing " + std::to_string(spacing_mm) + " mm for structure '" + s.name() + "' must be > 0.05 mm");
}

// Jittered in-plane grid inside one polygon at height z.
void sample_cap(const Polygon& p, double z, double h, SplitMix64& rng, std::vector<Point3>& out) {
  const int nx = static_cast<int>(std::ceil((p.max_x() - p.min_x()) / h));
  const int ny = static_cast<int>(std::ceil((p.max_y() - p.min_y()) / h));
  for (int j = 0; j < ny; ++j)
    for (int i = 0; i < nx; ++i) {
      const double x = p.min_x() + (i + rng.uniform()) * h;
      const double y = p.min_y() + (j + rng.uniform()) * h;
      if (p.contains(x, y)) out.push_back({x, y, z});
    }
}
}  // namespace

std::vector<Point3> sample_volume_points(const StructureGeometry& s, double spacing_mm, uint64_t seed) {
  check_spacing(s, spacing_mm);
  s.require_volume("volume sampling");
  SplitMix64 rng(seed);
  std::vector<Point3> out;
  const Box3 b = s.bounds();
  int n[3];
  for (int a = 0; a < 3; ++a) n[a] = std::max(1, static_cast<int>(std::ceil((b.max_mm[a] - b.min_mm[a]) / spacing_mm)));
  for (int k = 0; k < n[2]; ++k)
    for (int j = 0; j < n[1]; ++j)
      for (int i = 0; i < n[0]; ++i) {
        const double x = b.min_mm[0] + (i + rng.uniform()) * spacing_mm;
        const double y = b.min_mm[1] + (j + rng.uniform()) * spacing_mm;
        const double z = b.min_mm[2] + (k + rng.uniform()) * spacing_mm;
        if (s.contains(x, y, z)) out.push_back({x, y, z});
      }
  return out;
}

std::vector<Point3> sample_surface_points(const StructureGeometry& s, double spacing_mm, uint64_t seed) {
  check_spacing(s, spacing_mm);
  s.require_volume("surface sampling");
  SplitMix64 rng(seed);
  std::vector<Point3> out;
  for (const auto& slab : s.slabs()) {
    const Polygon& p = slab.polygon;
    const double thickness = slab.z_hi_mm - slab.z_lo_mm;
    // thickness / spacing rings on average: the fractional ring is drawn, so the density is
    // unbiased whatever the slice spacing.
    const double expected = thickness / spacing_mm;
    int rings = static_cast<int>(std::floor(expected));
    if (rng.uniform() < expected - rings) ++rings;
    const double perimeter = p.perimeter_mm();
    for (int r = 0; r < rings; ++r) {
      const double z = slab.z_lo_mm + rng.uniform() * thickness;
      // Walk the outline placing a point every spacing_mm from a random phase.
      double next = rng.uniform() * spacing_mm;
      double walked = 0;
      for (size_t i = 0; i < p.size() && next < perimeter; ++i) {
        const size_t i2 = (i + 1) % p.size();
        const double ex = p.x(i2) - p.x(i), ey = p.y(i2) - p.y(i);
        const double len = std::hypot(ex, ey);
        while (next < walked + len) {
          const double t = (next - walked) / len;
          out.push_back({p.x(i) + t * ex, p.y(i) + t * ey, z});
          next += spacing_mm;
        }
        walked += len;
      }
    }
  }
  sample_cap(s.slabs().front().polygon, s.slabs().front().z_lo_mm, spacing_mm, rng, out);
  // The top cap sits just inside the half-open slab so the point still belongs to the solid.
  const auto& top = s.slabs().back();
  sample_cap(top.polygon, std::nextafter(top.z_hi_mm, top.z_lo_mm), spacing_mm, rng, out);
  return out;
}

}  // namespace hdr::anatomy
