#include "calib/measurement_io.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <sstream>

#include "planner/common/atomic_file.hpp"
#include "planner/common/error.hpp"
#include "planner/formats/json_reader.hpp"

namespace hdr::calib {

using formats::JsonNode;
using nlohmann::json;

namespace {

const MeasurementLimits kLimits{};

std::string num(double v) {
  std::ostringstream os;
  os.precision(10);
  os << v;
  return os.str();
}

std::string non_empty_string(const JsonNode& n) {
  std::string s = n.string();
  if (s.empty()) n.fail("must not be empty");
  return s;
}

double in_range(const JsonNode& n, double lo, double hi, const char* unit_hint) {
  const double v = n.number();
  if (!(v >= lo && v <= hi))
    n.fail("found " + num(v) + ", outside the plausible range " + num(lo) + " .. " + num(hi) + " (" + unit_hint + ")");
  return v;
}

double optional_in_range(const JsonNode& parent, const char* key, double fallback, double lo, double hi,
                         const char* unit_hint) {
  return parent.has(key) ? in_range(parent.at(key), lo, hi, unit_hint) : fallback;
}

double optional_positive(const JsonNode& parent, const char* key, double fallback) {
  return parent.has(key) ? parent.at(key).positive_number() : fallback;
}

UtcTime time_field(const JsonNode& n, const std::string& file) { return parse_iso8601(n.string(), file + ": " + n.path()); }

SweetSpotScan read_sweet_spot(const JsonNode& n) {
  SweetSpotScan scan;
  scan.measurement_position_mm = n.at("measurement_position_mm").number();
  const JsonNode pts = n.at("points");
  const size_t count = pts.size();
  if (count < 3) pts.fail("at least 3 points are needed to locate a maximum, found " + std::to_string(count));
  for (size_t i = 0; i < count; ++i) {
    const JsonNode p = pts.at(i);
    scan.points.push_back({p.at("position_mm").number(), p.at("current_A").positive_number()});
    for (size_t j = 0; j < i; ++j)
      if (scan.points[j].position_mm == scan.points[i].position_mm)
        p.at("position_mm").fail("position " + num(scan.points[i].position_mm) + " mm appears twice in the scan");
  }
  return scan;
}

}  // namespace

CalibrationMeasurement calibration_from_json(const json& doc, const std::string& file) {
  formats::check_format_tag(doc, file, {"hdr-calibration/1"});
  const JsonNode root(doc, file, "");
  CalibrationMeasurement m;

  m.measured_at = time_field(root.at("measured_at"), file);

  const JsonNode src = root.at("source");
  m.source.model = non_empty_string(src.at("model"));
  m.source.serial = non_empty_string(src.at("serial"));
  m.source.half_life_days = optional_positive(src, "half_life_days", kIr192HalfLife_days);

  const JsonNode cert = root.at("certificate");
  m.certificate.S_K_U = cert.at("S_K_U").positive_number();
  const JsonNode cert_time = cert.at("reference_time");
  m.certificate.reference_time = time_field(cert_time, file);
  if (m.certificate.reference_time > m.measured_at)
    cert_time.fail("the certificate (" + cert_time.string() + ") is dated after the measurement (measured_at " +
                   format_iso8601_utc(m.measured_at) + "): likely entry error");

  const JsonNode ch = root.at("chamber");
  m.chamber.model = non_empty_string(ch.at("model"));
  m.chamber.serial = non_empty_string(ch.at("serial"));
  m.chamber.N_SK_U_per_A = ch.at("N_SK_U_per_A").positive_number();

  const JsonNode el = root.at("electrometer");
  m.electrometer.serial = non_empty_string(el.at("serial"));
  m.electrometer.P_elec =
      optional_in_range(el, "P_elec", 1.0, kLimits.min_correction, kLimits.max_correction, "a correction factor near 1");

  const JsonNode rd = root.at("readings_A");
  const size_t n = rd.size();
  if (n == 0) rd.fail("no readings: at least one electrometer reading is needed");
  double sum = 0;
  for (size_t i = 0; i < n; ++i) {
    m.readings_A.push_back(rd.at(i).positive_number());
    sum += m.readings_A.back();
  }
  const double mean = sum / static_cast<double>(n);

  if (root.has("leakage_A")) {
    const JsonNode lk = root.at("leakage_A");
    m.leakage_A = lk.number();
    if (!(std::fabs(m.leakage_A) < mean))
      lk.fail("leakage " + num(m.leakage_A) + " A is not smaller than the mean reading " + num(mean) + " A");
  }

  m.temperature_C = in_range(root.at("temperature_C"), kLimits.min_temperature_C, kLimits.max_temperature_C,
                             "degrees Celsius of room air");
  const JsonNode pr = root.at("pressure_kPa");
  pr.positive_number();
  m.pressure_kPa = in_range(pr, kLimits.min_pressure_kPa, kLimits.max_pressure_kPa, "kPa of ambient air pressure");
  m.reference_temperature_C =
      optional_in_range(root, "reference_temperature_C", kDefaultReferenceTemperature_C, kLimits.min_temperature_C,
                        kLimits.max_temperature_C, "degrees Celsius");
  m.P_ion = optional_in_range(root, "P_ion", 1.0, kLimits.min_correction, kLimits.max_correction,
                              "a correction factor near 1");

  if (root.has("sweet_spot_scan")) m.sweet_spot_scan = read_sweet_spot(root.at("sweet_spot_scan"));
  return m;
}

CalibrationMeasurement parse_calibration(const std::string& text, const std::string& file) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    // Name the field at fault: the text just before the offending byte usually holds its key
    // (a NaN or Infinity typed into a number field is the common case).
    const size_t at = std::min(static_cast<size_t>(e.byte > 0 ? e.byte - 1 : 0), text.size());
    const size_t from = at > 48 ? at - 48 : 0;
    std::string near = text.substr(from, at - from + std::min<size_t>(8, text.size() - at));
    for (char& c : near)
      if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    std::string lower = near;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const bool non_finite = lower.find("nan") != std::string::npos || lower.find("inf") != std::string::npos;
    throw Error(file + ": not valid JSON at byte " + std::to_string(e.byte) +
                (non_finite ? " (NaN and Infinity are not numbers)" : "") + ", near '" + near + "'");
  } catch (const json::out_of_range& e) {
    // nlohmann reports a number beyond a double's range (1e400) this way (found by fuzzing).
    throw Error(file + ": not valid JSON: a number is out of the range of a double (" + e.what() + ")");
  }
  return calibration_from_json(doc, file);
}

CalibrationMeasurement load_calibration_file(const std::string& path) { return parse_calibration(read_file(path), path); }

json calibration_to_json(const CalibrationMeasurement& m) {
  json doc = {
      {"format", "hdr-calibration/1"},
      {"measured_at", format_iso8601_utc(m.measured_at, true)},
      {"source", {{"model", m.source.model}, {"serial", m.source.serial}, {"half_life_days", m.source.half_life_days}}},
      {"certificate",
       {{"S_K_U", m.certificate.S_K_U}, {"reference_time", format_iso8601_utc(m.certificate.reference_time, true)}}},
      {"chamber", {{"model", m.chamber.model}, {"serial", m.chamber.serial}, {"N_SK_U_per_A", m.chamber.N_SK_U_per_A}}},
      {"electrometer", {{"serial", m.electrometer.serial}, {"P_elec", m.electrometer.P_elec}}},
      {"readings_A", m.readings_A},
      {"leakage_A", m.leakage_A},
      {"temperature_C", m.temperature_C},
      {"pressure_kPa", m.pressure_kPa},
      {"reference_temperature_C", m.reference_temperature_C},
      {"P_ion", m.P_ion}};
  if (m.sweet_spot_scan) {
    json pts = json::array();
    for (const auto& p : m.sweet_spot_scan->points) pts.push_back({{"position_mm", p.position_mm}, {"current_A", p.current_A}});
    doc["sweet_spot_scan"] = {{"measurement_position_mm", m.sweet_spot_scan->measurement_position_mm}, {"points", pts}};
  }
  return doc;
}

}  // namespace hdr::calib
