#pragma once
// The optimiser's dose points (IPSA style: Lessard & Pouliot, Med Phys 28 (2001) 773; HIPO:
// Karabis et al., Brachytherapy 2005): per structure, surface and volume points with a
// minimum and/or maximum dose and weights. Penalty per point i with dose d_i (Gy):
//   w_min_i · max(0, L_i − d_i)² + w_max_i · max(0, d_i − U_i)²      (divided by Rx²)
// Group weights are divided by the group's point count, so a protocol weight means the same
// whatever the sampling density. A zero weight means "no limit on that side".
#include <cstdint>
#include <string>
#include <vector>

#include "planner/dose/dose_matrix.hpp"
#include "planner/optimize/protocol.hpp"
#include "planner/optimize/roles.hpp"

namespace hdr::optimize {

enum class PointGroup : uint8_t { target_surface, target_volume, boost, urethra, rectum, bladder, other_organ, normal_tissue };
const char* to_string(PointGroup g);
constexpr int point_group_count = 8;

struct PointDensity {
  double target_surface_mm = 3.5;
  double target_volume_mm = 3.5;
  double boost_mm = 3.5;
  double urethra_mm = 2.5;
  double organ_surface_mm = 3.5;
  double organ_volume_mm = 5.0;
  double normal_tissue_mm = 8.0;  // 6 mm put 633 of 3251 points (a fifth of every product) in the shell
  double organ_region_mm = 15.0;  // organ points only within the target's box grown by this
  void validate() const;          // every spacing > 0.2 mm, region >= 0
};

// A dose-volume rule (DV objective in the manner of Wu & Mohan, Med Phys 27 (2000) 701): a
// hinge at level_Gy on the points [begin, end) that exempts the exempt_fraction of them lying
// furthest past the level (the coldest for a minimum, the hottest for a maximum), as a DVH
// limit does: V100 >= 95 % lets a few percent stay cold, V150 <= 40 % lets up to 40 % be hot.
// The penalty then acts on the points that decide the DVH limit (those just past the level)
// instead of fighting unreachable cold corners or the unavoidable hot core around each dwell.
struct DvRule {
  size_t begin = 0, end = 0;
  float level_Gy = 0;
  float weight = 0;             // per point, already divided by count and Rx²
  double exempt_fraction = 0;   // in [0, 1)
  bool is_min = true;
};

struct DosePoints {
  dose::PointSet points;
  std::vector<float> min_Gy, max_Gy;      // L_i, U_i
  std::vector<float> w_min, w_max;        // per point (already divided by count and Rx²)
  std::vector<PointGroup> group;
  std::vector<DvRule> dv_rules;           // on top of the per-point hinges
  size_t size() const { return points.size(); }
  size_t count(PointGroup g) const;
};

// Scales the objective's penalty weights and levels of one group (the planner's adaptive loop).
struct GroupScale {
  double w[point_group_count] = {1, 1, 1, 1, 1, 1, 1, 1};  // scales the hot side (max) weights
  // Added to the exempt fractions of the target's V150 / V200 rules (negative: stricter).
  double hot_fraction_shift = 0, v200_fraction_shift = 0;
  double max_pct_factor[point_group_count] = {1, 1, 1, 1, 1, 1, 1, 1};  // scales U_i
  double min_pct_factor[point_group_count] = {1, 1, 1, 1, 1, 1, 1, 1};  // scales L_i
};

DosePoints build_dose_points(const Roles& roles, const Protocol& protocol, double prescription_Gy,
                             const PointDensity& density, uint64_t seed, const GroupScale& scale = {});

}  // namespace hdr::optimize
