#include "planner/formats/structures_io.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "planner/common/atomic_file.hpp"
#include "planner/common/error.hpp"

namespace hdr::formats {

const char* to_string(StructureKind kind) {
  switch (kind) {
    case StructureKind::target: return "target";
    case StructureKind::organ_at_risk: return "organ_at_risk";
    case StructureKind::boost: return "boost";
    case StructureKind::other: return "other";
  }
  return "other";
}

namespace {

StructureKind parse_kind(const JsonNode& node) {
  const std::string k = node.string();
  if (k == "target") return StructureKind::target;
  if (k == "organ_at_risk") return StructureKind::organ_at_risk;
  if (k == "boost") return StructureKind::boost;
  if (k == "other") return StructureKind::other;
  node.fail("unknown kind '" + k + "' (expected target, organ_at_risk, boost or other)");
}

ContourSlice read_slice(const JsonNode& node) {
  ContourSlice s;
  s.z_mm = node.at("z_mm").number();
  const JsonNode pts = node.at("points_mm");
  const size_t n = pts.size();
  if (n < 3) pts.fail("a closed contour needs at least 3 points, found " + std::to_string(n));
  s.points_mm.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const auto xy = pts.at(i).numbers(2);
    s.points_mm.push_back({xy[0], xy[1]});
  }
  // Drop an explicitly repeated closing point: the format says it is not repeated, but a
  // repeated one encloses the same area and is harmless to accept.
  if (s.points_mm.size() > 3 && s.points_mm.front() == s.points_mm.back()) s.points_mm.pop_back();
  double area2 = 0;
  for (size_t i = 0, j = s.points_mm.size() - 1; i < s.points_mm.size(); j = i++)
    area2 += s.points_mm[j][0] * s.points_mm[i][1] - s.points_mm[i][0] * s.points_mm[j][1];
  if (!(std::fabs(area2) > 1e-9)) pts.fail("contour encloses no area (degenerate polygon)");
  return s;
}

}  // namespace

std::vector<Structure> read_structure_list(const JsonNode& node) {
  std::vector<Structure> out;
  std::set<std::string> names;
  const size_t n = node.size();
  for (size_t i = 0; i < n; ++i) {
    const JsonNode sn = node.at(i);
    Structure s;
    s.name = sn.at("name").string();
    if (s.name.empty()) sn.at("name").fail("empty structure name");
    if (!names.insert(s.name).second) sn.at("name").fail("duplicate structure name '" + s.name + "'");
    s.kind = parse_kind(sn.at("kind"));
    const JsonNode slices = sn.at("slices");
    const size_t ns = slices.size();
    if (ns == 0) slices.fail("structure '" + s.name + "' has no slices");
    for (size_t k = 0; k < ns; ++k) s.slices.push_back(read_slice(slices.at(k)));
    std::sort(s.slices.begin(), s.slices.end(), [](const auto& a, const auto& b) { return a.z_mm < b.z_mm; });
    for (size_t k = 1; k < s.slices.size(); ++k)
      if (s.slices[k].z_mm - s.slices[k - 1].z_mm < 1e-6)
        slices.fail("structure '" + s.name + "' has two slices at z_mm = " + std::to_string(s.slices[k].z_mm));
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<Catheter> read_catheter_list(const JsonNode& node) {
  std::vector<Catheter> out;
  std::set<long long> ids;
  const size_t n = node.size();
  for (size_t i = 0; i < n; ++i) {
    const JsonNode cn = node.at(i);
    Catheter c;
    const long long id = cn.at("id").integer();
    if (id < 1 || id > 1000000) cn.at("id").fail("catheter id must be a positive integer");
    if (!ids.insert(id).second) cn.at("id").fail("duplicate catheter id " + std::to_string(id));
    c.id = static_cast<int>(id);
    const JsonNode path = cn.at("path_mm");
    const size_t np = path.size();
    if (np < 2) path.fail("a catheter path needs at least 2 points (tip, entry)");
    for (size_t k = 0; k < np; ++k) {
      const auto p = path.at(k).numbers(3);
      c.path_mm.push_back({p[0], p[1], p[2]});
    }
    double length = 0;
    for (size_t k = 1; k < np; ++k) {
      double d2 = 0;
      for (int a = 0; a < 3; ++a) d2 += std::pow(c.path_mm[k][a] - c.path_mm[k - 1][a], 2);
      if (d2 < 1e-12) path.fail("two consecutive path points coincide");
      length += std::sqrt(d2);
    }
    (void)length;
    out.push_back(std::move(c));
  }
  return out;
}

json structure_list_to_json(const std::vector<Structure>& structures) {
  json arr = json::array();
  for (const auto& s : structures) {
    json slices = json::array();
    for (const auto& sl : s.slices) {
      json pts = json::array();
      for (const auto& p : sl.points_mm) pts.push_back({p[0], p[1]});
      slices.push_back({{"z_mm", sl.z_mm}, {"points_mm", pts}});
    }
    arr.push_back({{"name", s.name}, {"kind", to_string(s.kind)}, {"slices", slices}});
  }
  return arr;
}

json catheter_list_to_json(const std::vector<Catheter>& catheters) {
  json arr = json::array();
  for (const auto& c : catheters) {
    json path = json::array();
    for (const auto& p : c.path_mm) path.push_back({p[0], p[1], p[2]});
    arr.push_back({{"id", c.id}, {"path_mm", path}});
  }
  return arr;
}

std::vector<Structure> load_structures_file(const std::string& path) {
  const json doc = parse_json_text(read_file(path), path);
  check_format_tag(doc, path, {"hdr-structures/1"});
  return read_structure_list(JsonNode(doc, path, "").at("structures"));
}

std::vector<Catheter> load_catheters_file(const std::string& path) {
  const json doc = parse_json_text(read_file(path), path);
  check_format_tag(doc, path, {"hdr-catheters/1", "hdr-structures/1"});
  return read_catheter_list(JsonNode(doc, path, "").at("catheters"));
}

void save_structures_file(const std::string& path, const std::vector<Structure>& structures) {
  json doc = {{"format", "hdr-structures/1"}, {"structures", structure_list_to_json(structures)}};
  write_file_atomically(path, doc.dump(1) + "\n");
}

void save_catheters_file(const std::string& path, const std::vector<Catheter>& catheters) {
  json doc = {{"format", "hdr-catheters/1"}, {"catheters", catheter_list_to_json(catheters)}};
  write_file_atomically(path, doc.dump(1) + "\n");
}

const Structure* find_structure(const std::vector<Structure>& structures, const std::string& name) {
  for (const auto& s : structures)
    if (s.name == name) return &s;
  return nullptr;
}

}  // namespace hdr::formats
