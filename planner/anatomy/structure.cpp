#include "planner/anatomy/structure.hpp"

#include <algorithm>
#include <cmath>

#include "planner/common/error.hpp"

namespace hdr::anatomy {

namespace {
std::string slice_label(const formats::Structure& s, size_t k) {
  return "structure '" + s.name + "' slice " + std::to_string(k) + " (z_mm = " + std::to_string(s.slices[k].z_mm) + ")";
}
}  // namespace

StructureGeometry StructureGeometry::build(const formats::Structure& s) {
  StructureGeometry g;
  g.name_ = s.name;
  g.kind_ = s.kind;
  require(!s.slices.empty(), "structure '" + s.name + "' has no slices");
  for (size_t k = 0; k < s.slices.size(); ++k) {
    const auto& sl = s.slices[k];
    require(std::isfinite(sl.z_mm), slice_label(s, k) + ": z_mm is not finite");
    require(sl.points_mm.size() >= 3,
            slice_label(s, k) + ": a closed contour needs at least 3 points, found " + std::to_string(sl.points_mm.size()));
    for (const auto& p : sl.points_mm)
      require(std::isfinite(p[0]) && std::isfinite(p[1]), slice_label(s, k) + ": a point is not finite");
    if (k > 0)
      require(sl.z_mm > s.slices[k - 1].z_mm + 1e-6,
              slice_label(s, k) + ": slices must be strictly increasing in z (previous z_mm = " +
                  std::to_string(s.slices[k - 1].z_mm) + ")");
    Slab slab;
    slab.z_mm = sl.z_mm;
    slab.polygon = Polygon(sl.points_mm);
    require(slab.polygon.area_mm2() > 1e-9, slice_label(s, k) + ": contour encloses no area");
    if (auto why = slab.polygon.self_intersection())
      throw Error(slice_label(s, k) + ": contour crosses itself (" + *why + ")");
    g.slabs_.push_back(std::move(slab));
  }
  const size_t n = g.slabs_.size();
  for (size_t k = 0; k < n; ++k) {
    auto& sl = g.slabs_[k];
    if (n == 1) {
      sl.z_lo_mm = sl.z_hi_mm = sl.z_mm;
      continue;
    }
    const double below = k > 0 ? sl.z_mm - g.slabs_[k - 1].z_mm : g.slabs_[1].z_mm - sl.z_mm;
    const double above = k + 1 < n ? g.slabs_[k + 1].z_mm - sl.z_mm : sl.z_mm - g.slabs_[n - 2].z_mm;
    sl.z_lo_mm = sl.z_mm - 0.5 * below;
    sl.z_hi_mm = sl.z_mm + 0.5 * above;
  }
  // Neighbouring slabs share their boundary exactly (no gap from rounding).
  for (size_t k = 1; k < n; ++k) g.slabs_[k].z_lo_mm = g.slabs_[k - 1].z_hi_mm;
  g.bounds_.min_mm[0] = g.bounds_.min_mm[1] = 1e300;
  g.bounds_.max_mm[0] = g.bounds_.max_mm[1] = -1e300;
  for (const auto& sl : g.slabs_) {
    g.bounds_.min_mm[0] = std::min(g.bounds_.min_mm[0], sl.polygon.min_x());
    g.bounds_.max_mm[0] = std::max(g.bounds_.max_mm[0], sl.polygon.max_x());
    g.bounds_.min_mm[1] = std::min(g.bounds_.min_mm[1], sl.polygon.min_y());
    g.bounds_.max_mm[1] = std::max(g.bounds_.max_mm[1], sl.polygon.max_y());
  }
  g.bounds_.min_mm[2] = g.slabs_.front().z_lo_mm;
  g.bounds_.max_mm[2] = g.slabs_.back().z_hi_mm;
  return g;
}

void StructureGeometry::require_volume(const std::string& what) const {
  require(has_volume(), "structure '" + name_ + "' has a single slice (z_mm = " + std::to_string(slabs_.front().z_mm) +
                            "): no thickness, so no volume for " + what);
}

double StructureGeometry::volume_cc() const {
  require_volume("its volume");
  double v = 0;
  for (const auto& sl : slabs_) v += sl.polygon.area_mm2() * (sl.z_hi_mm - sl.z_lo_mm);
  return v / 1000.0;
}

std::optional<size_t> StructureGeometry::slab_at(double z_mm) const {
  if (!has_volume() || z_mm < slabs_.front().z_lo_mm || z_mm >= slabs_.back().z_hi_mm) return std::nullopt;
  // Slabs are few (tens); a binary search on the upper bounds.
  auto it = std::upper_bound(slabs_.begin(), slabs_.end(), z_mm, [](double z, const Slab& s) { return z < s.z_hi_mm; });
  if (it == slabs_.end()) return std::nullopt;
  return static_cast<size_t>(it - slabs_.begin());
}

bool StructureGeometry::contains(double x_mm, double y_mm, double z_mm) const {
  const auto k = slab_at(z_mm);
  return k && slabs_[*k].polygon.contains(x_mm, y_mm);
}

double StructureGeometry::inside_fraction_z(double x_mm, double y_mm, double z_lo_mm, double z_hi_mm) const {
  HDR_ASSERT(z_hi_mm > z_lo_mm, "inside_fraction_z: empty segment");
  if (!has_volume() || z_hi_mm <= slabs_.front().z_lo_mm || z_lo_mm >= slabs_.back().z_hi_mm) return 0.0;
  double inside_mm = 0;
  // From the first slab ending above z_lo (slabs are contiguous and sorted) to the last
  // starting below z_hi: one or two for a cell thinner than a slab.
  auto it = std::upper_bound(slabs_.begin(), slabs_.end(), z_lo_mm, [](double z, const Slab& s) { return z < s.z_hi_mm; });
  for (; it != slabs_.end() && it->z_lo_mm < z_hi_mm; ++it) {
    const double overlap = std::min(z_hi_mm, it->z_hi_mm) - std::max(z_lo_mm, it->z_lo_mm);
    if (overlap > 0 && it->polygon.contains(x_mm, y_mm)) inside_mm += overlap;
  }
  return std::min(1.0, inside_mm / (z_hi_mm - z_lo_mm));
}

std::optional<double> StructureGeometry::signed_inplane_distance_mm(double x_mm, double y_mm, double z_mm) const {
  const auto k = slab_at(z_mm);
  if (!k) return std::nullopt;
  const auto& p = slabs_[*k].polygon;
  const double d = p.distance_to_boundary_mm(x_mm, y_mm);
  return p.contains(x_mm, y_mm) ? -d : d;
}

std::vector<StructureGeometry> build_structures(const std::vector<formats::Structure>& list) {
  std::vector<StructureGeometry> out;
  out.reserve(list.size());
  for (const auto& s : list) out.push_back(StructureGeometry::build(s));
  return out;
}

}  // namespace hdr::anatomy
