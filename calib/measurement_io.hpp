#pragma once
// Reading `hdr-calibration/1` (../shared/formats/README.md). Every refusal is an hdr::Error
// naming the file and the JSON path, e.g.
//   "m.json: pressure_kPa: must be > 0, found -99.8".
// Refused: missing or non-numeric fields, NaN/Inf, no readings, non-positive readings,
// N_SK, certificate strength or half-life, pressures and temperatures outside physically
// plausible room conditions (unit slips such as hPa, mmHg, °F or K), correction factors far
// from 1, leakage not smaller than the mean reading, and a certificate dated after the
// measurement (a likely entry error). Optional fields take the documented defaults.
#include <string>

#include <nlohmann/json.hpp>

#include "calib/measurement.hpp"

namespace hdr::calib {

// Plausibility limits for the entries; outside them the value is almost surely a unit slip.
struct MeasurementLimits {
  double min_temperature_C = 0.0, max_temperature_C = 50.0;
  double min_pressure_kPa = 50.0, max_pressure_kPa = 115.0;  // ~5500 m altitude .. storm high
  double min_correction = 0.9, max_correction = 1.1;         // P_ion, P_elec
};

// Parses and validates a whole document; `file` names it in errors.
CalibrationMeasurement parse_calibration(const std::string& text, const std::string& file);
CalibrationMeasurement calibration_from_json(const nlohmann::json& doc, const std::string& file);
CalibrationMeasurement load_calibration_file(const std::string& path);

// The measurement back as `hdr-calibration/1` (for the record store). Round-trips through
// calibration_from_json.
nlohmann::json calibration_to_json(const CalibrationMeasurement& m);

}  // namespace hdr::calib
