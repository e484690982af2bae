#pragma once
// Splits a dwell list into "runs" — consecutive dwells on one straight catheter segment with one
// axis and one step — for the run-table path (run_table.hpp), and the dwells left over.
//
// Run rule: consecutive dwells j, j+1, ... whose directions agree within 1e-6 (per component),
// whose positions are p_first + k·s·v (v = ±direction) within 1e-4 mm each (not accumulated),
// with s a whole number m of 0.1 mm table nodes (|s − m·0.1 mm| < 1e-4 mm, 1 <= m <= 400).
// A 1e-4 mm position error changes the dose by < 2e-4·(1 mm / r) relative: < 0.004 % at
// r >= 0.5 cm, the closest a table lane gets. Runs of one dwell are left over (the
// closed-form path serves them as fast as a one-lane run would).
#include <span>
#include <vector>

#include "planner/dose/dose_matrix.hpp"

namespace hdr::dose {

struct DwellRun {
  int first_dwell = 0;   // dwell index of lane 0
  int dwell_stride = 1;  // +1 or -1: lane l is dwell first_dwell + l·dwell_stride
  int count = 0;         // number of lanes (dwells), >= 2
  int stride_nodes = 0;  // m: the step in table nodes (0.1 mm)
  float pos_mm[3] = {0, 0, 0};  // lane 0's dwell position
  float dir[3] = {0, 0, 1};     // the shared unit axis, tip -> entry
  float step_cm = 0;            // along(lane l) = along(lane 0) + l·step_cm, exactly m·0.01 cm

  int dwell(int lane) const { return first_dwell + lane * dwell_stride; }
};

struct DwellRuns {
  std::vector<DwellRun> runs;
  std::vector<int> singles;  // dwells in no run, ascending
};

// Lane 0 is the run's tip-most dwell and later lanes lie towards the entry, so a point's along
// (positive tip-wards) grows with the lane.
DwellRuns find_dwell_runs(std::span<const DwellGeometry> dwells);

}  // namespace hdr::dose
