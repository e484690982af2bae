#pragma once
// Candidate dwell positions along each catheter: every `dwell_step_mm` of path length from
// the tip (the tip itself first), never beyond the tip, each with the unit tangent of the
// path segment it lies on pointing from tip towards entry (dose::DwellGeometry::direction).
// A candidate is active when it lies inside the target or within `margin_mm` of it.
#include <Eigen/Core>
#include <vector>

#include "planner/anatomy/structure.hpp"
#include "planner/dose/dose_matrix.hpp"
#include "planner/formats/types.hpp"

namespace hdr::optimize {

struct CandidateDwell {
  int catheter_id = 0;
  int index_on_catheter = 0;       // 0 = the tip position
  double distance_from_tip_mm = 0;
  Eigen::Vector3d position_mm{0, 0, 0};
  Eigen::Vector3d direction{0, 0, 1};  // unit, tip -> entry
};

// All positions along one catheter (throws naming the catheter if the step is not > 0 or the
// path is degenerate).
std::vector<CandidateDwell> candidate_dwells(const formats::Catheter& catheter, double dwell_step_mm);

// Inside the target, or within margin_mm of its extruded solid (distance measured to each
// slab: in-plane to its outline, along z to its extent).
bool near_target(const anatomy::StructureGeometry& target, const Eigen::Vector3d& p_mm, double margin_mm);

// The active candidates of every catheter, ordered by catheter (as listed) then from the tip.
std::vector<CandidateDwell> active_dwells(const std::vector<formats::Catheter>& catheters, double dwell_step_mm,
                                          const anatomy::StructureGeometry& target, double margin_mm);

std::vector<dose::DwellGeometry> dwell_geometry(const std::vector<CandidateDwell>& dwells);

}  // namespace hdr::optimize
