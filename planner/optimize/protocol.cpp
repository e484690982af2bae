#include "planner/optimize/protocol.hpp"

#include <cmath>
#include <span>

#include "planner/common/atomic_file.hpp"
#include "planner/common/embedded_file.hpp"
#include "planner/common/error.hpp"
#include "planner/formats/json_reader.hpp"

namespace hdr::optimize {
namespace data {
std::span<const hdr::EmbeddedFile> embedded_files();  // generated (cmake/EmbedData.cmake)
}

namespace {

using formats::JsonNode;

void check(bool ok, const std::string& field, double value, const std::string& rule) {
  require(ok, "Protocol::" + field + " = " + std::to_string(value) + ": " + rule);
}

void read_number(const JsonNode& obj, const char* key, double& out) {
  if (obj.has(key)) out = obj.at(key).number();
}

void read_objectives(const JsonNode& o, Objectives& ob) {
  if (o.has("target")) {
    const JsonNode t = o.at("target");
    read_number(t, "min_pct", ob.target_min_pct);
    read_number(t, "max_pct", ob.target_max_pct);
    read_number(t, "surface_max_pct", ob.target_surface_max_pct);
    read_number(t, "weight_min", ob.target_weight_min);
    read_number(t, "weight_max", ob.target_weight_max);
  }
  if (o.has("boost")) {
    const JsonNode t = o.at("boost");
    read_number(t, "min_pct", ob.boost_min_pct);
    read_number(t, "weight_min", ob.boost_weight_min);
  }
  const std::pair<const char*, std::pair<double*, double*>> organs[] = {
      {"urethra", {&ob.urethra_max_pct, &ob.urethra_weight_max}},
      {"rectum", {&ob.rectum_max_pct, &ob.rectum_weight_max}},
      {"bladder", {&ob.bladder_max_pct, &ob.bladder_weight_max}},
      {"other_organ", {&ob.other_organ_max_pct, &ob.other_organ_weight_max}}};
  for (const auto& [key, fields] : organs) {
    if (!o.has(key)) continue;
    const JsonNode t = o.at(key);
    read_number(t, "max_pct", *fields.first);
    read_number(t, "weight_max", *fields.second);
  }
  if (o.has("normal_tissue")) {
    const JsonNode t = o.at("normal_tissue");
    read_number(t, "max_pct_at_surface", ob.normal_max_pct_at_surface);
    read_number(t, "falloff_pct_per_mm", ob.normal_falloff_pct_per_mm);
    read_number(t, "floor_pct", ob.normal_floor_pct);
    read_number(t, "shell_mm", ob.normal_shell_mm);
    read_number(t, "weight_max", ob.normal_weight_max);
  }
}

}  // namespace

void Protocol::validate() const {
  check(reference_prescription_Gy > 0, "reference_prescription_Gy", reference_prescription_Gy, "must be > 0");
  check(fractions >= 1, "fractions", fractions, "must be >= 1");
  check(v100_aim_pct > 0 && v100_aim_pct <= 100, "planning_aims.V100_aim_pct", v100_aim_pct, "must be in (0, 100]");
  check(upper_limit_margin_pct >= 0 && upper_limit_margin_pct < 50, "planning_aims.upper_limit_margin_pct",
        upper_limit_margin_pct, "must be in [0, 50)");
  check(dwell_activation_margin_mm >= 0 && dwell_activation_margin_mm <= 20, "dwell_activation_margin_mm",
        dwell_activation_margin_mm, "must be in [0, 20] mm");
  check(modulation_weight >= 0, "modulation_weight", modulation_weight, "must be >= 0");
  const Objectives& o = objectives;
  const std::pair<const char*, double> positive[] = {
      {"objectives.target.min_pct", o.target_min_pct},     {"objectives.target.max_pct", o.target_max_pct},
      {"objectives.target.surface_max_pct", o.target_surface_max_pct},
      {"objectives.urethra.max_pct", o.urethra_max_pct},   {"objectives.rectum.max_pct", o.rectum_max_pct},
      {"objectives.bladder.max_pct", o.bladder_max_pct},   {"objectives.other_organ.max_pct", o.other_organ_max_pct},
      {"objectives.boost.min_pct", o.boost_min_pct},       {"objectives.normal_tissue.shell_mm", o.normal_shell_mm},
      {"objectives.normal_tissue.max_pct_at_surface", o.normal_max_pct_at_surface}};
  for (const auto& [field, v] : positive) check(std::isfinite(v) && v > 0, field, v, "must be > 0");
  const std::pair<const char*, double> non_negative[] = {
      {"objectives.target.weight_min", o.target_weight_min},   {"objectives.target.weight_max", o.target_weight_max},
      {"objectives.boost.weight_min", o.boost_weight_min},     {"objectives.urethra.weight_max", o.urethra_weight_max},
      {"objectives.rectum.weight_max", o.rectum_weight_max},   {"objectives.bladder.weight_max", o.bladder_weight_max},
      {"objectives.other_organ.weight_max", o.other_organ_weight_max},
      {"objectives.normal_tissue.weight_max", o.normal_weight_max},
      {"objectives.normal_tissue.falloff_pct_per_mm", o.normal_falloff_pct_per_mm},
      {"objectives.normal_tissue.floor_pct", o.normal_floor_pct}};
  for (const auto& [field, v] : non_negative) check(std::isfinite(v) && v >= 0, field, v, "must be >= 0");
  check(o.target_max_pct > o.target_min_pct, "objectives.target.max_pct", o.target_max_pct,
        "must exceed objectives.target.min_pct");
  for (size_t i = 0; i < constraints.size(); ++i)
    check(std::isfinite(constraints[i].limit_pct) && constraints[i].limit_pct >= 0,
          "constraints[" + std::to_string(i) + "].limit", constraints[i].limit_pct, "must be >= 0");
}

Protocol protocol_from_json_text(const std::string& text, const std::string& file) {
  const auto doc = formats::parse_json_text(text, file);
  formats::check_format_tag(doc, file, {"hdr-protocol/1"});
  const JsonNode root(doc, file, "");
  Protocol p;
  p.name = root.at("name").string();
  if (root.has("description")) p.description = root.at("description").string();
  p.reference_prescription_Gy = root.at("reference_prescription_Gy").positive_number();
  if (root.has("fractions")) {
    const long long f = root.at("fractions").integer();
    if (f < 1 || f > 100) root.at("fractions").fail("fractions must be 1..100");
    p.fractions = static_cast<int>(f);
  }
  const JsonNode cs = root.at("constraints");
  for (size_t i = 0; i < cs.size(); ++i) {
    const JsonNode c = cs.at(i);
    Constraint k;
    k.structure = c.at("structure").string();
    k.metric = c.at("metric").string();
    const auto spec = parse_metric_name(k.metric);
    if (!spec || spec->kind == MetricKind::volume_cc)
      c.at("metric").fail("unknown metric '" + k.metric + "' (expected V<x>_pct, D<x>_Gy, D<x>cc_Gy or Dmax_Gy)");
    k.spec = *spec;
    const bool has_max = c.has("max_pct"), has_min = c.has("min_pct");
    if (has_max == has_min) c.fail("give exactly one of max_pct or min_pct");
    k.is_max = has_max;
    k.limit_pct = c.at(has_max ? "max_pct" : "min_pct").non_negative_number();
    p.constraints.push_back(k);
  }
  if (root.has("planning_aims")) {
    const JsonNode a = root.at("planning_aims");
    read_number(a, "V100_aim_pct", p.v100_aim_pct);
    read_number(a, "upper_limit_margin_pct", p.upper_limit_margin_pct);
  }
  if (root.has("objectives")) read_objectives(root.at("objectives"), p.objectives);
  read_number(root, "dwell_activation_margin_mm", p.dwell_activation_margin_mm);
  read_number(root, "modulation_weight", p.modulation_weight);
  try {
    p.validate();
  } catch (const Error& e) {
    throw Error(file + ": " + e.what());
  }
  return p;
}

Protocol load_protocol_file(const std::string& path) { return protocol_from_json_text(read_file(path), path); }

std::vector<std::string> builtin_protocol_names() { return {"boost", "monotherapy"}; }

Protocol builtin_protocol(const std::string& name) {
  std::string file;
  if (name == "boost") file = "boost_15Gy.json";
  else if (name == "monotherapy") file = "monotherapy_13.5Gy_x2.json";
  else throw Error("unknown built-in protocol '" + name + "' (known: boost, monotherapy)");
  for (const auto& f : data::embedded_files())
    if (f.name == file) return protocol_from_json_text(std::string(f.content), "built-in " + file);
  throw Error("built-in protocol file " + file + " is missing from the binary");
}

}  // namespace hdr::optimize
