#pragma once
// A planning protocol (hdr-protocol/1, JSON): the clinical constraints a plan is judged by and
// the optimiser's objectives, all relative to the prescription so that one protocol serves
// any prescribed dose. Built in (embedded): "boost" (15 Gy × 1, the default) and
// "monotherapy" (13.5 Gy × 2); the same files are in planner/optimize/protocols/.
//
// Constraint units: for a volume metric "Vx_pct" the limit is % of the structure's volume;
// for a dose metric ("Dx_Gy", "Dxcc_Gy", "Dmax_Gy") it is % of the prescription.
#include <optional>
#include <string>
#include <vector>

#include "planner/optimize/metric_name.hpp"

namespace hdr::optimize {

struct Constraint {
  std::string structure;  // role name: prostate, urethra, rectum, bladder (or a structure name)
  std::string metric;     // hdr-plan/1 metric name, e.g. "D2cc_Gy"
  MetricSpec spec;        // parsed metric
  bool is_max = true;     // max (≤) or min (≥) limit
  double limit_pct = 0;   // % of volume (V metrics) or % of prescription (D metrics)
};

// Dose-volume penalty levels and weights per role (percent of prescription). The built-in
// protocols weight coverage (target weight_min 30 000) far above the hot side (100) and the
// organs (urethra 3 000, rectum 1 500, bladder 1 000): coverage is all but a constraint, so
// the optimiser trades hot spots and organ doses at the coverage the plan is normalised to.
// With coverage at 1 000 its own V100 fell 15-20 % of dose short of the aim and the scale
// applied afterwards grew V150 to 44-46 % on small glands (20 phantom seeds).
struct Objectives {
  double target_min_pct = 100, target_max_pct = 150, target_surface_max_pct = 140;
  double target_weight_min = 100, target_weight_max = 15;
  double boost_min_pct = 115, boost_weight_min = 10;
  double urethra_max_pct = 105, urethra_weight_max = 60;
  double rectum_max_pct = 62, rectum_weight_max = 40;
  double bladder_max_pct = 62, bladder_weight_max = 25;
  double other_organ_max_pct = 75, other_organ_weight_max = 10;
  double normal_max_pct_at_surface = 100, normal_falloff_pct_per_mm = 5, normal_floor_pct = 40;
  double normal_shell_mm = 15, normal_weight_max = 10;
  // Dose-volume rules on the target (dose_points.hpp, DvRule). The coverage hinge at
  // min_pct exempts the coldest fractions (surface, volume); the volume's hot hinges at
  // max_pct (V150) and v200_pct exempt the hottest fractions: the protocol's own limits on
  // the prostate's V150 / V200 less a margin (hot_margin_pp, v200_margin_pp), or these
  // defaults (boost: 40 - 7 = 33 %, 15 - 4 = 11 %) when it has none. Compiled defaults:
  // hdr-protocol/1 does not carry them yet.
  double target_cold_fraction_surface = 0.10, target_cold_fraction_volume = 0.03;
  double target_hot_fraction = 0.33, hot_margin_pp = 7;
  double v200_pct = 200, v200_hot_fraction = 0.11, v200_margin_pp = 4, v200_weight_factor = 5;  // × weight_max
  // The protocol's organ limits (D10, D0.1cc, D2cc ...) as dose-volume rules (dose_points.cpp)
  // with this factor × the organ's weight_max.
  double organ_limit_weight = 8;
};

struct Protocol {
  std::string name;
  std::string description;
  double reference_prescription_Gy = 15;
  int fractions = 1;
  std::vector<Constraint> constraints;
  double v100_aim_pct = 96.5;             // coverage the planner normalises to (margin over 95 %)
  double upper_limit_margin_pct = 4.0;    // organ / hot-spot limits planned this far (relative) under
  Objectives objectives;
  double dwell_activation_margin_mm = 2.0;
  double modulation_weight = 0.02;

  // Throws hdr::Error naming the field, value and rule ("Protocol::modulation_weight = -1: must be >= 0").
  void validate() const;
};

// Parses hdr-protocol/1 text; `file` names the source in errors.
Protocol protocol_from_json_text(const std::string& text, const std::string& file);
Protocol load_protocol_file(const std::string& path);
// "boost" (default) or "monotherapy"; throws naming the known ones otherwise.
Protocol builtin_protocol(const std::string& name);
std::vector<std::string> builtin_protocol_names();

}  // namespace hdr::optimize
