#pragma once
// Air-kerma strength of an HDR source from a well-chamber measurement (AAPM TG-56, TG-138):
//   S_K  = (M̄ − leakage) · N_SK · C_TP · P_ion · P_elec                       [U]
//   C_TP = ((273.15 + T) / (273.15 + T_ref)) · (101.325 / P)     T in °C, P in kPa
// compared with the certificate decayed to the measurement time (decay.hpp) and classified
// (acceptance.hpp). The result is a truthful report: every number the decision rests on,
// plus warnings (reading scatter/trend, sweet spot, leakage) that do not change the status
// but that the physicist must see.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "calib/acceptance.hpp"
#include "calib/measurement.hpp"
#include "calib/readings.hpp"
#include "calib/sweet_spot.hpp"

namespace hdr::calib {

// Temperature–pressure correction for an open (vented) chamber. Throws hdr::Error when the
// absolute temperatures or the pressure are not > 0.
double c_tp(double temperature_C, double pressure_kPa, double reference_temperature_C);

struct CalibrationResult {
  std::string source_model, source_serial;
  UtcTime measured_at;
  double S_K_U = 0.0;                 // measured air-kerma strength at measured_at
  double C_TP = 0.0;
  double net_reading_A = 0.0;         // mean − leakage
  ReadingStats readings;
  double half_life_days = 0.0;
  double certificate_S_K_U = 0.0;     // as certified, at certificate_reference_time
  UtcTime certificate_reference_time;
  double certificate_age_days = 0.0;  // measured_at − reference_time (≥ 0)
  double certificate_decay_factor = 0.0;
  double certificate_S_K_at_measurement_U = 0.0;
  double deviation_pct = 0.0;
  AcceptanceStatus status = AcceptanceStatus::fail;
  AcceptanceThresholds thresholds;
  std::optional<SweetSpotResult> sweet_spot;
  std::vector<std::string> warnings;  // all warnings, readings' and sweet spot's included
};

struct CalibrationOptions {
  AcceptanceThresholds thresholds;
  SweetSpotOptions sweet_spot;
  // A leakage above this fraction of the net reading is worth a warning (0.1 %).
  double leakage_warning_fraction = 1e-3;
  // A certificate older than this when measured is probably the wrong certificate.
  double certificate_age_warning_days = 30.0;
};

// Throws hdr::Error for invalid options or a measurement the equation cannot use (the
// parser already refuses those; this re-checks for values built in code).
CalibrationResult compute_calibration(const CalibrationMeasurement& m, const CalibrationOptions& options = {});

// The `hdr calib compute` output: S_K_U, C_TP, certificate_S_K_at_measurement_U,
// deviation_pct, status, mean_reading_A, readings_* statistics, warnings, and the rest.
nlohmann::json to_json(const CalibrationResult& r);

}  // namespace hdr::calib
