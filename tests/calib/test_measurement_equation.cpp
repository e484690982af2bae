// The well-chamber measurement equation against the worked vectors of issue 7 (computed by
// hand from S_K = (M − L)·N_SK·C_TP·P_ion·P_elec) and the formats contract's example.
#include <doctest/doctest.h>

#include <cmath>

#include "calib/calibration.hpp"
#include "calib/measurement_io.hpp"
#include "planner/common/error.hpp"
#include "tests/calib/example_measurement.hpp"

using namespace hdr::calib;

namespace {
CalibrationMeasurement worked_vector() {
  CalibrationMeasurement m;
  m.measured_at = hdr::parse_iso8601("2026-11-27T08:15:00Z", "t");
  m.source = {"mHDR-v2", "D36A-1234", kIr192HalfLife_days};
  m.certificate = {40700.0, m.measured_at};  // certified at the same instant
  m.chamber = {"HDR 1000 Plus", "A1", 4.55e11};
  m.electrometer = {"E1", 1.000};
  m.readings_A = {90.0e-9};
  m.temperature_C = 24.5;
  m.pressure_kPa = 99.8;
  m.reference_temperature_C = 22.0;
  m.P_ion = 1.0005;
  return m;
}
}  // namespace

TEST_CASE("C_TP worked vector: 24.5 C, 99.8 kPa, T_ref 22 C gives 1.023880") {
  CHECK(c_tp(24.5, 99.8, 22.0) == doctest::Approx(1.023880).epsilon(5e-7));
  // At reference conditions the correction is exactly 1.
  CHECK(c_tp(22.0, 101.325, 22.0) == doctest::Approx(1.0).epsilon(1e-15));
  // A 20 C reference lab: warmer air relative to the reference, larger correction.
  CHECK(c_tp(24.5, 99.8, 20.0) == doctest::Approx((297.65 / 293.15) * (101.325 / 99.8)).epsilon(1e-14));
  CHECK(c_tp(24.5, 99.8, 20.0) > c_tp(24.5, 99.8, 22.0));
  CHECK_THROWS_AS(c_tp(24.5, 0.0, 22.0), hdr::Error);
  CHECK_THROWS_AS(c_tp(24.5, -99.8, 22.0), hdr::Error);
  CHECK_THROWS_AS(c_tp(-300.0, 99.8, 22.0), hdr::Error);
}

TEST_CASE("S_K worked vector: 90.0 nA, N_SK 4.55e11, P_ion 1.0005 gives 41 948.9 U, +3.07 % vs 40 700 U: warn") {
  const CalibrationResult r = compute_calibration(worked_vector());
  CHECK(r.C_TP == doctest::Approx(1.023880).epsilon(5e-7));
  CHECK(std::fabs(r.S_K_U - 41948.9) < 0.05);
  CHECK(r.certificate_S_K_at_measurement_U == doctest::Approx(40700.0).epsilon(1e-15));
  CHECK(r.certificate_decay_factor == 1.0);
  CHECK(std::fabs(r.deviation_pct - 3.07) < 0.005);
  CHECK(r.status == AcceptanceStatus::warn);
  // The equation is linear in every factor: P_elec 1.01 scales S_K by exactly 1.01.
  CalibrationMeasurement m = worked_vector();
  m.electrometer.P_elec = 1.01;
  CHECK(compute_calibration(m).S_K_U == doctest::Approx(r.S_K_U * 1.01).epsilon(1e-14));
  // Leakage is subtracted from the mean before scaling.
  m = worked_vector();
  m.leakage_A = 0.9e-9;  // 1 % of the reading
  CHECK(compute_calibration(m).S_K_U == doctest::Approx(r.S_K_U * 0.99).epsilon(1e-13));
}

TEST_CASE("formats contract example: 41 949 U vs certificate decayed to 41 918 U, +0.07 %, pass") {
  const CalibrationResult r = compute_calibration(parse_calibration(test::kExampleMeasurementJson, "example.json"));
  CHECK(std::fabs(r.S_K_U - 41949.0) < 0.5);
  CHECK(std::fabs(r.certificate_S_K_at_measurement_U - 41918.0) < 0.5);
  CHECK(std::fabs(r.deviation_pct - 0.07) < 0.005);
  CHECK(r.status == AcceptanceStatus::pass);
  CHECK(r.warnings.empty());
  // The certificate is 6 d 20 h 15 min older than the measurement.
  CHECK(r.certificate_age_days == doctest::Approx(6.0 + (20.0 + 15.0 / 60.0) / 24.0).epsilon(1e-12));
}

TEST_CASE("status boundaries on both sides of 3 % and 5 %, above and below the certificate") {
  const CalibrationResult base = compute_calibration(worked_vector());
  struct Case {
    double dev_pct;
    AcceptanceStatus expected;
  };
  for (const Case c : {Case{2.99, AcceptanceStatus::pass}, Case{3.01, AcceptanceStatus::warn},
                       Case{4.99, AcceptanceStatus::warn}, Case{5.01, AcceptanceStatus::fail},
                       Case{-2.99, AcceptanceStatus::pass}, Case{-3.01, AcceptanceStatus::warn},
                       Case{-4.99, AcceptanceStatus::warn}, Case{-5.01, AcceptanceStatus::fail},
                       Case{0.0, AcceptanceStatus::pass}}) {
    CAPTURE(c.dev_pct);
    CalibrationMeasurement m = worked_vector();
    m.certificate.S_K_U = base.S_K_U / (1.0 + c.dev_pct / 100.0);
    const CalibrationResult r = compute_calibration(m);
    CHECK(r.deviation_pct == doctest::Approx(c.dev_pct).epsilon(1e-9));
    CHECK(r.status == c.expected);
  }
}

TEST_CASE("clinic thresholds change the decision; invalid thresholds are refused by name") {
  CalibrationOptions opt;
  opt.thresholds = {2.0, 3.0};
  CHECK(compute_calibration(worked_vector(), opt).status == AcceptanceStatus::fail);  // +3.07 %
  opt.thresholds = {3.5, 6.0};
  CHECK(compute_calibration(worked_vector(), opt).status == AcceptanceStatus::pass);
  opt.thresholds = {3.0, 2.0};
  CHECK(opt.thresholds.validation_error().find("fail_above_pct = 2") != std::string::npos);
  CHECK_THROWS_WITH_AS(compute_calibration(worked_vector(), opt), doctest::Contains("fail_above_pct"), hdr::Error);
  opt.thresholds = {0.0, 5.0};
  CHECK(opt.thresholds.validation_error().find("pass_below_pct = 0") != std::string::npos);
  opt.thresholds = {3.0, NAN};
  CHECK_FALSE(opt.thresholds.validation_error().empty());
  CHECK(AcceptanceThresholds{}.validation_error().empty());
}

TEST_CASE("to_json carries the contract's fields") {
  const auto j = to_json(compute_calibration(worked_vector()));
  for (const char* key : {"S_K_U", "C_TP", "certificate_S_K_at_measurement_U", "deviation_pct", "status",
                          "mean_reading_A", "readings_relative_sd_pct", "warnings"})
    CHECK_MESSAGE(j.contains(key), key);
  CHECK(j["status"] == "warn");
  CHECK(j["S_K_U"].get<double>() == doctest::Approx(41948.87).epsilon(1e-6));
  // A single reading has no spread: reported as null, never as a made-up number.
  CHECK(j["readings_sd_A"].is_null());
}

TEST_CASE("a certificate dated after the measurement is refused even when built in code") {
  CalibrationMeasurement m = worked_vector();
  m.certificate.reference_time.unix_s = m.measured_at.unix_s + 60.0;
  CHECK_THROWS_WITH_AS(compute_calibration(m), doctest::Contains("likely entry error"), hdr::Error);
}
