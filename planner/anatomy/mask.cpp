#include "planner/anatomy/mask.hpp"

#include <cmath>

#include "planner/common/error.hpp"

namespace hdr::anatomy {

void VoxelGrid::validate() const {
  static const char* axis[3] = {"x", "y", "z"};
  for (int a = 0; a < 3; ++a) {
    require(std::isfinite(origin_mm[a]), std::string("VoxelGrid::origin_mm.") + axis[a] + " is not finite");
    require(std::isfinite(spacing_mm[a]) && spacing_mm[a] > 0,
            std::string("VoxelGrid::spacing_mm.") + axis[a] + " = " + std::to_string(spacing_mm[a]) + ", must be > 0");
    require(dims[a] >= 0, std::string("VoxelGrid::dims.") + axis[a] + " = " + std::to_string(dims[a]) + ", must be >= 0");
  }
}

VoxelGrid grid_covering(const StructureGeometry& s, double spacing_mm, double pad_mm) {
  require(std::isfinite(spacing_mm) && spacing_mm > 0, "grid spacing " + std::to_string(spacing_mm) + " mm must be > 0");
  const Box3 b = s.bounds();
  VoxelGrid g;
  for (int a = 0; a < 3; ++a) {
    const double lo = b.min_mm[a] - pad_mm, hi = b.max_mm[a] + pad_mm;
    const int n = std::max(1, static_cast<int>(std::ceil((hi - lo) / spacing_mm)));
    g.dims[a] = n;
    g.spacing_mm[a] = spacing_mm;
    // Centre the grid on the box so the outermost centres sit inside it.
    g.origin_mm[a] = 0.5 * (lo + hi) - 0.5 * (n - 1) * spacing_mm;
  }
  return g;
}

namespace {
template <class Fn>
void scan_inside(const StructureGeometry& s, const VoxelGrid& g, Fn&& fn) {
  s.require_volume("a voxel mask");
  g.validate();
  std::vector<double> xs;
  for (int k = 0; k < g.dims[2]; ++k) {
    const double z = g.origin_mm[2] + k * g.spacing_mm[2];
    const auto slab = s.slab_at(z);
    if (!slab) continue;
    const Polygon& poly = s.slabs()[*slab].polygon;
    for (int j = 0; j < g.dims[1]; ++j) {
      const double y = g.origin_mm[1] + j * g.spacing_mm[1];
      poly.row_crossings(y, xs);
      for (size_t c = 0; c + 1 < xs.size(); c += 2) {
        // Centres with x0 <= x < x1.
        const int i0 = std::max(0, static_cast<int>(std::ceil((xs[c] - g.origin_mm[0]) / g.spacing_mm[0])));
        const int i1 = std::min(g.dims[0] - 1,
                                static_cast<int>(std::ceil((xs[c + 1] - g.origin_mm[0]) / g.spacing_mm[0])) - 1);
        for (int i = i0; i <= i1; ++i) fn(i, j, k, g.origin_mm[0] + i * g.spacing_mm[0], y, z);
      }
    }
  }
}
}  // namespace

std::vector<uint8_t> voxel_mask(const StructureGeometry& s, const VoxelGrid& grid) {
  std::vector<uint8_t> mask(grid.voxel_count(), 0);
  scan_inside(s, grid, [&](int i, int j, int k, double, double, double) { mask[grid.index(i, j, k)] = 1; });
  return mask;
}

std::vector<std::array<float, 3>> inside_voxel_centres(const StructureGeometry& s, const VoxelGrid& grid) {
  std::vector<std::array<float, 3>> out;
  scan_inside(s, grid, [&](int, int, int, double x, double y, double z) {
    out.push_back({static_cast<float>(x), static_cast<float>(y), static_cast<float>(z)});
  });
  return out;
}

}  // namespace hdr::anatomy
