// hdr-calibration/1 reader: documented defaults, round trip, and refusals naming the field.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "calib/calibration.hpp"
#include "calib/measurement_io.hpp"
#include "planner/common/error.hpp"
#include "tests/calib/example_measurement.hpp"

using namespace hdr::calib;
using nlohmann::json;

namespace {
json example() { return json::parse(test::kExampleMeasurementJson); }
CalibrationMeasurement parse(const json& doc) { return parse_calibration(doc.dump(), "m.json"); }
}  // namespace

TEST_CASE("the contract's example parses with every value as written") {
  const CalibrationMeasurement m = parse(example());
  CHECK(m.measured_at.unix_s == hdr::parse_iso8601("2026-11-27T08:15:00Z", "t").unix_s);
  CHECK(m.source.model == "mHDR-v2");
  CHECK(m.source.serial == "D36A-1234");
  CHECK(m.certificate.S_K_U == 44700.0);
  CHECK(m.chamber.N_SK_U_per_A == 4.55e11);
  CHECK(m.chamber.serial == "A1");
  CHECK(m.electrometer.serial == "E1");
  CHECK(m.readings_A.size() == 3);
  CHECK(m.leakage_A == 1.0e-13);
  CHECK(m.P_ion == 1.0005);
  CHECK_FALSE(m.sweet_spot_scan.has_value());
}

TEST_CASE("optional fields take the documented defaults") {
  json d = example();
  d["source"].erase("half_life_days");
  d.erase("reference_temperature_C");
  d.erase("leakage_A");
  d.erase("P_ion");
  d["electrometer"].erase("P_elec");
  const CalibrationMeasurement m = parse(d);
  CHECK(m.source.half_life_days == 73.827);
  CHECK(m.reference_temperature_C == 22.0);
  CHECK(m.leakage_A == 0.0);
  CHECK(m.P_ion == 1.0);
  CHECK(m.electrometer.P_elec == 1.0);
  // And they are really used: T_ref 20 instead of the default raises C_TP by 295.15/293.15.
  d["reference_temperature_C"] = 20.0;
  const double ratio = compute_calibration(parse(d)).C_TP / compute_calibration(m).C_TP;
  CHECK(ratio == doctest::Approx(295.15 / 293.15).epsilon(1e-14));
}

TEST_CASE("calibration_to_json round-trips, sweet-spot scan included") {
  json d = example();
  d["measured_at"] = "2026-11-27T09:15:00+01:00";
  d["sweet_spot_scan"] = {{"measurement_position_mm", 1230.0},
                          {"points",
                           {{{"position_mm", 1220.0}, {"current_A", 8.9e-8}},
                            {{"position_mm", 1230.0}, {"current_A", 9.0e-8}},
                            {{"position_mm", 1240.0}, {"current_A", 8.95e-8}}}}};
  const CalibrationMeasurement a = parse(d);
  const CalibrationMeasurement b = calibration_from_json(calibration_to_json(a), "again.json");
  CHECK(calibration_to_json(a) == calibration_to_json(b));
  CHECK(b.measured_at == a.measured_at);
  CHECK(b.readings_A == a.readings_A);
  REQUIRE(b.sweet_spot_scan);
  CHECK(b.sweet_spot_scan->points.size() == 3);
  CHECK(b.sweet_spot_scan->points[1].current_A == 9.0e-8);
  // The offset in measured_at denotes the same instant as the Z example.
  CHECK(a.measured_at == parse(example()).measured_at);
}

TEST_CASE("refusals name the file and the field") {
  struct Bad {
    const char* what;
    void (*mutate)(json&);
    const char* must_name;
  };
  const Bad cases[] = {
      {"missing measured_at", [](json& d) { d.erase("measured_at"); }, "m.json: measured_at: missing"},
      {"non-numeric pressure", [](json& d) { d["pressure_kPa"] = "99.8"; }, "m.json: pressure_kPa: expected a number"},
      {"negative pressure", [](json& d) { d["pressure_kPa"] = -99.8; }, "pressure_kPa: must be > 0"},
      {"pressure in hPa", [](json& d) { d["pressure_kPa"] = 998.0; }, "pressure_kPa: found 998"},
      {"temperature in F", [](json& d) { d["temperature_C"] = 76.1; }, "temperature_C: found 76.1"},
      {"no readings", [](json& d) { d["readings_A"] = json::array(); }, "readings_A: no readings"},
      {"zero reading", [](json& d) { d["readings_A"][1] = 0.0; }, "readings_A[1]: must be > 0"},
      {"zero N_SK", [](json& d) { d["chamber"]["N_SK_U_per_A"] = 0; }, "chamber.N_SK_U_per_A: must be > 0"},
      {"certificate after", [](json& d) { d["certificate"]["reference_time"] = "2026-11-27T08:16:00Z"; },
       "certificate.reference_time: the certificate"},
      {"no zone", [](json& d) { d["measured_at"] = "2026-11-27T08:15:00"; }, "measured_at"},
      {"P_ion absurd", [](json& d) { d["P_ion"] = 1.5; }, "P_ion: found 1.5"},
      {"zero half-life", [](json& d) { d["source"]["half_life_days"] = 0; }, "source.half_life_days: must be > 0"},
      {"huge leakage", [](json& d) { d["leakage_A"] = 1e-7; }, "leakage_A"},
      {"empty serial", [](json& d) { d["source"]["serial"] = ""; }, "source.serial: must not be empty"},
      {"wrong tag", [](json& d) { d["format"] = "hdr-calibration/2"; }, "hdr-calibration/2"},
  };
  for (const Bad& b : cases) {
    CAPTURE(b.what);
    json d = example();
    b.mutate(d);
    CHECK_THROWS_WITH_AS(parse(d), doctest::Contains(b.must_name), hdr::Error);
  }
  CHECK_THROWS_WITH_AS(parse_calibration(R"({"format": "hdr-calibration/1", "temperature_C": NaN})", "m.json"),
                       doctest::Contains("temperature_C\": NaN"), hdr::Error);
}

TEST_CASE("a certificate at the very instant of measurement is accepted, one second later refused") {
  json d = example();
  d["certificate"]["reference_time"] = "2026-11-27T09:15:00+01:00";  // == measured_at
  CHECK_NOTHROW(parse(d));
  d["certificate"]["reference_time"] = "2026-11-27T09:15:01+01:00";
  CHECK_THROWS_WITH_AS(parse(d), doctest::Contains("likely entry error"), hdr::Error);
}
