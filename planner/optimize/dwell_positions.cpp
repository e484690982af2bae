#include "planner/optimize/dwell_positions.hpp"

#include <cmath>

#include "planner/common/error.hpp"

namespace hdr::optimize {

std::vector<CandidateDwell> candidate_dwells(const formats::Catheter& c, double step_mm) {
  const std::string who = "catheter " + std::to_string(c.id);
  require(std::isfinite(step_mm) && step_mm > 0, "dwell_step_mm = " + std::to_string(step_mm) + ": must be > 0");
  require(c.path_mm.size() >= 2, who + ": path needs at least 2 points");
  std::vector<CandidateDwell> out;
  double seg_start = 0;     // path length at the start of the current segment
  double next = 0;          // path length of the next dwell
  for (size_t k = 0; k + 1 < c.path_mm.size(); ++k) {
    const Eigen::Vector3d a(c.path_mm[k][0], c.path_mm[k][1], c.path_mm[k][2]);
    const Eigen::Vector3d b(c.path_mm[k + 1][0], c.path_mm[k + 1][1], c.path_mm[k + 1][2]);
    require(a.allFinite() && b.allFinite(), who + ": path point is not finite");
    const double len = (b - a).norm();
    require(len > 1e-6, who + ": path points " + std::to_string(k) + " and " + std::to_string(k + 1) + " coincide");
    const Eigen::Vector3d dir = (b - a) / len;
    const bool last = k + 2 == c.path_mm.size();
    // Half-open segments except the last, so a dwell on a vertex is listed once.
    while (next < seg_start + len || (last && next <= seg_start + len + 1e-9)) {
      CandidateDwell d;
      d.catheter_id = c.id;
      d.index_on_catheter = static_cast<int>(out.size());
      d.distance_from_tip_mm = next;
      d.position_mm = a + (next - seg_start) * dir;
      d.direction = dir;
      out.push_back(d);
      next = step_mm * static_cast<double>(out.size());
    }
    seg_start += len;
  }
  return out;
}

bool near_target(const anatomy::StructureGeometry& target, const Eigen::Vector3d& p, double margin_mm) {
  if (target.contains(p.x(), p.y(), p.z())) return true;
  const double m2 = margin_mm * margin_mm;
  for (const auto& slab : target.slabs()) {
    const double dz = p.z() < slab.z_lo_mm ? slab.z_lo_mm - p.z() : (p.z() > slab.z_hi_mm ? p.z() - slab.z_hi_mm : 0.0);
    if (dz > margin_mm) continue;
    const double dxy = slab.polygon.contains(p.x(), p.y()) ? 0.0 : slab.polygon.distance_to_boundary_mm(p.x(), p.y());
    if (dz * dz + dxy * dxy <= m2) return true;
  }
  return false;
}

std::vector<CandidateDwell> active_dwells(const std::vector<formats::Catheter>& catheters, double step_mm,
                                          const anatomy::StructureGeometry& target, double margin_mm) {
  std::vector<CandidateDwell> out;
  for (const auto& c : catheters)
    for (const auto& d : candidate_dwells(c, step_mm))
      if (near_target(target, d.position_mm, margin_mm)) out.push_back(d);
  return out;
}

std::vector<dose::DwellGeometry> dwell_geometry(const std::vector<CandidateDwell>& dwells) {
  std::vector<dose::DwellGeometry> g;
  g.reserve(dwells.size());
  for (const auto& d : dwells) g.push_back({d.position_mm, d.direction});
  return g;
}

}  // namespace hdr::optimize
