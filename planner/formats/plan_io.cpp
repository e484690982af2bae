#include "planner/formats/plan_io.hpp"

#include <cmath>

#include "planner/common/atomic_file.hpp"
#include "planner/formats/case_io.hpp"
#include "planner/formats/json_reader.hpp"

namespace hdr::formats {

Plan plan_from_json(const json& doc, const std::string& file) {
  check_format_tag(doc, file, {"hdr-plan/1"});
  const JsonNode root(doc, file, "");
  Plan p;
  p.case_id = root.has("case_id") ? root.at("case_id").string() : std::string();
  p.source = read_source_spec(root.at("source"));
  p.prescription = read_prescription(root.at("prescription"));
  const JsonNode dwells = root.at("dwells");
  const size_t n = dwells.size();
  if (n == 0) dwells.fail("a plan needs at least one dwell");
  for (size_t i = 0; i < n; ++i) {
    const JsonNode d = dwells.at(i);
    PlanDwell w;
    const long long cat = d.at("catheter").integer();
    if (cat < 1 || cat > 1000000) d.at("catheter").fail("catheter id must be a positive integer");
    w.catheter = static_cast<int>(cat);
    const auto pos = d.at("position_mm").numbers(3);
    w.position_mm = {pos[0], pos[1], pos[2]};
    const auto dir = d.at("direction").numbers(3);
    const double norm = std::sqrt(dir[0] * dir[0] + dir[1] * dir[1] + dir[2] * dir[2]);
    if (std::fabs(norm - 1.0) > 1e-3) d.at("direction").fail("direction must be a unit vector (|d| = " + std::to_string(norm) + ")");
    w.direction = {dir[0] / norm, dir[1] / norm, dir[2] / norm};
    w.time_s = d.at("time_s").non_negative_number();
    if (std::fabs(w.time_s * 10.0 - std::round(w.time_s * 10.0)) > 1e-5)
      d.at("time_s").fail("dwell time " + std::to_string(w.time_s) + " s is not a multiple of 0.1 s");
    w.time_s = std::round(w.time_s * 10.0) / 10.0;
    p.dwells.push_back(w);
  }
  if (root.has("metrics")) {
    const JsonNode m = root.at("metrics");
    if (!m.raw().is_object()) m.fail("expected an object");
    for (const auto& [sname, sval] : m.raw().items()) {
      const JsonNode sn(sval, "", "");
      if (!sval.is_object()) m.fail(sname + ": expected an object");
      for (const auto& [mname, mval] : sval.items()) {
        if (!mval.is_number()) m.fail(sname + "." + mname + ": expected a number");
        p.metrics[sname][mname] = mval.get<double>();
      }
    }
  }
  if (root.has("timing_ms")) {
    const JsonNode t = root.at("timing_ms");
    if (!t.raw().is_object()) t.fail("expected an object");
    for (const auto& [k, v] : t.raw().items()) {
      if (!v.is_number()) t.fail(k + ": expected a number");
      p.timing_ms[k] = v.get<double>();
    }
  }
  for (const auto& [k, v] : doc.items())
    if (k != "format" && k != "case_id" && k != "source" && k != "prescription" && k != "dwells" &&
        k != "metrics" && k != "timing_ms")
      p.extra[k] = v;
  return p;
}

json plan_to_json(const Plan& p) {
  json dwells = json::array();
  for (const auto& d : p.dwells)
    dwells.push_back({{"catheter", d.catheter},
                      {"position_mm", {d.position_mm[0], d.position_mm[1], d.position_mm[2]}},
                      {"direction", {d.direction[0], d.direction[1], d.direction[2]}},
                      {"time_s", d.time_s}});
  json doc = p.extra.is_object() ? p.extra : json::object();
  doc["format"] = "hdr-plan/1";
  doc["case_id"] = p.case_id;
  doc["source"] = source_spec_to_json(p.source);
  doc["prescription"] = prescription_to_json(p.prescription);
  doc["dwells"] = dwells;
  doc["metrics"] = p.metrics;
  doc["timing_ms"] = p.timing_ms;
  return doc;
}

Plan load_plan_file(const std::string& path) { return plan_from_json(parse_json_text(read_file(path), path), path); }

void save_plan_file(const std::string& path, const Plan& p) { write_file_atomically(path, plan_to_json(p).dump(1) + "\n"); }

std::string canonical_plan_text(const Plan& p) {
  // Timings differ between runs of the same plan and say nothing about what is delivered.
  json doc = plan_to_json(p);
  doc.erase("timing_ms");
  return doc.dump();
}

}  // namespace hdr::formats
