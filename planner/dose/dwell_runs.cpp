#include "planner/dose/dwell_runs.hpp"

#include <cmath>

#include "planner/dose/run_table.hpp"

namespace hdr::dose {
namespace {

constexpr double kDirTolerance = 1e-6;
constexpr double kPositionTolerance_mm = 1e-4;
constexpr double kNode_mm = 10.0 / static_cast<double>(run_grid::kAlongNodesPerCm);  // 0.1 mm

bool same_direction(const DwellGeometry& a, const DwellGeometry& b) {
  return (a.direction - b.direction).cwiseAbs().maxCoeff() < kDirTolerance;
}

// Step (in nodes, signed: + when dwell j+1 lies towards the entry of dwell j) if dwells j and
// j+1 can start a run, else 0.
int step_between(const DwellGeometry& a, const DwellGeometry& b) {
  if (!same_direction(a, b)) return 0;
  const Eigen::Vector3d delta = b.position_mm - a.position_mm;
  const double along_mm = delta.dot(a.direction);
  if ((delta - along_mm * a.direction).norm() >= kPositionTolerance_mm) return 0;  // not on the axis
  const double nodes = std::round(along_mm / kNode_mm);
  if (std::fabs(along_mm - nodes * kNode_mm) >= kPositionTolerance_mm) return 0;
  if (nodes == 0 || std::fabs(nodes) > run_grid::kMaxStrideNodes) return 0;
  return static_cast<int>(nodes);
}

}  // namespace

DwellRuns find_dwell_runs(std::span<const DwellGeometry> dwells) {
  DwellRuns out;
  const int n = static_cast<int>(dwells.size());
  int j = 0;
  while (j < n) {
    const int step = j + 1 < n ? step_between(dwells[static_cast<size_t>(j)], dwells[static_cast<size_t>(j + 1)]) : 0;
    if (step == 0) {
      out.singles.push_back(j++);
      continue;
    }
    // Extend while every next dwell sits at its nominal position p_j + k·step·u.
    const DwellGeometry& first = dwells[static_cast<size_t>(j)];
    int count = 2;
    while (j + count < n) {
      const DwellGeometry& next = dwells[static_cast<size_t>(j + count)];
      const Eigen::Vector3d nominal = first.position_mm + (count * step * kNode_mm) * first.direction;
      if (!same_direction(first, next) || (next.position_mm - nominal).norm() >= kPositionTolerance_mm) break;
      ++count;
    }
    DwellRun r;
    r.count = count;
    r.stride_nodes = std::abs(step);
    r.step_cm = static_cast<float>(r.stride_nodes) / run_grid::kAlongNodesPerCm;
    // along of a point relative to dwell k is along_first + k·step·h, so a positive step keeps
    // the dwell order and a negative one reverses it.
    r.dwell_stride = step > 0 ? 1 : -1;
    r.first_dwell = step > 0 ? j : j + count - 1;
    const DwellGeometry& lane0 = dwells[static_cast<size_t>(r.first_dwell)];
    for (int c = 0; c < 3; ++c) {
      r.pos_mm[c] = static_cast<float>(lane0.position_mm[c]);
      r.dir[c] = static_cast<float>(first.direction[c]);
    }
    out.runs.push_back(r);
    j += count;
  }
  return out;
}

}  // namespace hdr::dose
