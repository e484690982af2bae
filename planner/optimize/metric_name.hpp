#pragma once
// hdr-plan/1 metric names and what they mean:
//   "V<x>_pct"     % of the structure's volume receiving ≥ x % of the prescription
//   "D<x>_Gy"      minimum dose in the hottest x % of the volume
//   "D<x>cc_Gy"    minimum dose in the hottest x cm³
//   "Dmax_Gy"      maximum dose
//   "volume_cc"    the extruded volume
#include <optional>
#include <string>

namespace hdr::optimize {

enum class MetricKind { v_pct, d_pct, d_cc, d_max, volume_cc };

struct MetricSpec {
  MetricKind kind = MetricKind::volume_cc;
  double x = 0;  // the number in the name
  bool is_dose() const { return kind == MetricKind::d_pct || kind == MetricKind::d_cc || kind == MetricKind::d_max; }
};

// Nothing when the name is not one of the forms above.
std::optional<MetricSpec> parse_metric_name(const std::string& name);

}  // namespace hdr::optimize
