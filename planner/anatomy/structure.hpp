#pragma once
// A structure as a solid: its contour stack extruded with the planar convention of
// ../shared/formats/README.md (copied in planner/formats): slice k fills the slab
//   [ (z_{k-1}+z_k)/2 , (z_k+z_{k+1})/2 )
// and the first / last slice reach half their neighbour's spacing on both sides, so an end
// slab is one full spacing thick. A single slice has no thickness: it is kept (it can be
// drawn) but refused wherever a volume or a solid is needed (require_volume()).
#include <optional>
#include <string>
#include <vector>

#include "planner/anatomy/polygon.hpp"
#include "planner/formats/types.hpp"

namespace hdr::anatomy {

struct Box3 {
  double min_mm[3] = {0, 0, 0};
  double max_mm[3] = {0, 0, 0};
};

struct Slab {
  double z_mm = 0;     // the contour's plane
  double z_lo_mm = 0;  // slab extent, half-open [z_lo, z_hi)
  double z_hi_mm = 0;
  Polygon polygon;
};

class StructureGeometry {
 public:
  // Validates every slice (>= 3 points, finite, non-zero area, not self-intersecting, strictly
  // increasing z) and throws hdr::Error naming the structure and slice otherwise.
  static StructureGeometry build(const formats::Structure& s);

  const std::string& name() const { return name_; }
  formats::StructureKind kind() const { return kind_; }
  const std::vector<Slab>& slabs() const { return slabs_; }
  bool has_volume() const { return slabs_.size() >= 2; }
  // Throws hdr::Error "structure 'X' has a single slice (z = ...): no thickness, no volume"
  // when `what` needs a solid.
  void require_volume(const std::string& what) const;

  // Sum of polygon area × slab thickness, cm³ (requires a volume).
  double volume_cc() const;
  // The slab containing z, if any.
  std::optional<size_t> slab_at(double z_mm) const;
  bool contains(double x_mm, double y_mm, double z_mm) const;
  // The fraction of the segment x = x_mm, y = y_mm, z in [z_lo_mm, z_hi_mm) that lies inside:
  // the exact through-plane share of a cell whose in-plane membership is taken at its centre.
  // (A cell centred on a slab plane is not all in the upper slab, as contains() would have it.)
  double inside_fraction_z(double x_mm, double y_mm, double z_lo_mm, double z_hi_mm) const;
  // In-plane distance from (x, y) to the outline of the slab at z: negative inside, positive
  // outside; nothing when no slab covers z.
  std::optional<double> signed_inplane_distance_mm(double x_mm, double y_mm, double z_mm) const;
  Box3 bounds() const { return bounds_; }

 private:
  std::string name_;
  formats::StructureKind kind_ = formats::StructureKind::other;
  std::vector<Slab> slabs_;
  Box3 bounds_;
};

// Builds every structure of a list (same validation).
std::vector<StructureGeometry> build_structures(const std::vector<formats::Structure>& list);

}  // namespace hdr::anatomy
