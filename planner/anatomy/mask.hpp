#pragma once
// Voxel masks of an extruded structure at any resolution: a voxel belongs to the structure
// when its centre does (scanline fill of each slab's polygon, exact for concave outlines).
#include <array>
#include <cstdint>
#include <vector>

#include "planner/anatomy/structure.hpp"

namespace hdr::anatomy {

// Voxel (i, j, k) centre at origin + (i·sx, j·sy, k·sz); x fastest in linear indices.
struct VoxelGrid {
  std::array<double, 3> origin_mm{0, 0, 0};
  std::array<double, 3> spacing_mm{1, 1, 1};
  std::array<int, 3> dims{0, 0, 0};
  size_t voxel_count() const { return static_cast<size_t>(dims[0]) * dims[1] * dims[2]; }
  size_t index(int i, int j, int k) const { return (static_cast<size_t>(k) * dims[1] + j) * dims[0] + i; }
  // Throws hdr::Error naming the field when spacing <= 0, dims < 0 or values not finite.
  void validate() const;
};

// A grid at `spacing_mm` covering the structure's bounds (plus `pad_mm` on each side).
VoxelGrid grid_covering(const StructureGeometry& s, double spacing_mm, double pad_mm = 0.0);

// 1 where the voxel centre lies inside the structure. Requires a volume.
std::vector<uint8_t> voxel_mask(const StructureGeometry& s, const VoxelGrid& grid);

// Centres (mm) of the voxels of `grid` inside the structure, in linear-index order.
std::vector<std::array<float, 3>> inside_voxel_centres(const StructureGeometry& s, const VoxelGrid& grid);

}  // namespace hdr::anatomy
