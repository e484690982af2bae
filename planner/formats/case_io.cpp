#include "planner/formats/case_io.hpp"

#include "planner/common/atomic_file.hpp"
#include "planner/common/iso_time.hpp"
#include "planner/formats/structures_io.hpp"

namespace hdr::formats {

SourceSpec read_source_spec(const JsonNode& node) {
  SourceSpec s;
  s.model = node.at("model").string();
  if (s.model.empty()) node.at("model").fail("empty source model");
  s.air_kerma_strength_U = node.at("air_kerma_strength_U").positive_number();
  if (node.has("reference_time")) {
    const JsonNode t = node.at("reference_time");
    s.reference_time = t.string();
    parse_iso8601(*s.reference_time, t.path());  // validates, names the field
  }
  return s;
}

json source_spec_to_json(const SourceSpec& s) {
  json j = {{"model", s.model}, {"air_kerma_strength_U", s.air_kerma_strength_U}};
  if (s.reference_time) j["reference_time"] = *s.reference_time;
  return j;
}

Prescription read_prescription(const JsonNode& node) {
  Prescription p;
  p.dose_Gy = node.at("dose_Gy").positive_number();
  if (p.dose_Gy > 50) node.at("dose_Gy").fail("implausible HDR fraction dose " + std::to_string(p.dose_Gy) + " Gy (> 50)");
  const long long f = node.has("fractions") ? node.at("fractions").integer() : 1;
  if (f < 1 || f > 100) node.at("fractions").fail("fractions must be between 1 and 100");
  p.fractions = static_cast<int>(f);
  return p;
}

json prescription_to_json(const Prescription& p) { return {{"dose_Gy", p.dose_Gy}, {"fractions", p.fractions}}; }

Case case_from_json(const json& doc, const std::string& file) {
  check_format_tag(doc, file, {"hdr-case/1"});
  const JsonNode root(doc, file, "");
  Case c;
  c.id = root.has("id") ? root.at("id").string() : std::string();
  c.source = read_source_spec(root.at("source"));
  c.prescription = read_prescription(root.at("prescription"));
  c.structures = read_structure_list(root.at("structures"));
  c.catheters = read_catheter_list(root.at("catheters"));
  c.dwell_step_mm = root.has("dwell_step_mm") ? root.at("dwell_step_mm").positive_number() : 5.0;
  if (c.dwell_step_mm < 1.0 || c.dwell_step_mm > 20.0)
    root.at("dwell_step_mm").fail("dwell step must be between 1 and 20 mm");
  return c;
}

json case_to_json(const Case& c) {
  return {{"format", "hdr-case/1"},
          {"id", c.id},
          {"source", source_spec_to_json(c.source)},
          {"prescription", prescription_to_json(c.prescription)},
          {"structures", structure_list_to_json(c.structures)},
          {"catheters", catheter_list_to_json(c.catheters)},
          {"dwell_step_mm", c.dwell_step_mm}};
}

Case load_case_file(const std::string& path) { return case_from_json(parse_json_text(read_file(path), path), path); }

void save_case_file(const std::string& path, const Case& c) { write_file_atomically(path, case_to_json(c).dump(1) + "\n"); }

}  // namespace hdr::formats
