#pragma once
// One well-chamber measurement of an HDR source as the physicist enters it: the contents of
// an `hdr-calibration/1` file (../shared/formats/README.md) as plain values. Parsing and
// validation live in measurement_io.hpp; the physics in calibration.hpp.
#include <optional>
#include <string>
#include <vector>

#include "planner/common/iso_time.hpp"

namespace hdr::calib {

// Ir-192 half-life used when the file gives none (NNDC / DDEP value, 73.827 d).
inline constexpr double kIr192HalfLife_days = 73.827;
// Chamber calibration reference temperature when the file gives none.
inline constexpr double kDefaultReferenceTemperature_C = 22.0;
// Standard atmosphere, the reference pressure of every chamber certificate.
inline constexpr double kReferencePressure_kPa = 101.325;

struct SourceIdentity {
  std::string model;                              // e.g. "mHDR-v2"
  std::string serial;                             // e.g. "D36A-1234"
  double half_life_days = kIr192HalfLife_days;    // optional in the file
};

struct Certificate {
  double S_K_U = 0.0;   // manufacturer's air-kerma strength at reference_time, U
  UtcTime reference_time;
};

struct Chamber {
  std::string model;
  std::string serial;
  double N_SK_U_per_A = 0.0;  // chamber calibration coefficient, U per A
};

struct Electrometer {
  std::string serial;
  double P_elec = 1.0;  // electrometer correction factor (optional in the file)
};

// Optional sweet-spot scan: chamber current versus source position along the insert, taken
// to place the source where the response is maximal (flat), so that small positioning errors
// do not change the reading.
struct SweetSpotPoint {
  double position_mm = 0.0;
  double current_A = 0.0;
};
struct SweetSpotScan {
  std::vector<SweetSpotPoint> points;    // at least 3, distinct positions
  double measurement_position_mm = 0.0;  // where the source sat for readings_A
};

struct CalibrationMeasurement {
  UtcTime measured_at;
  SourceIdentity source;
  Certificate certificate;
  Chamber chamber;
  Electrometer electrometer;
  std::vector<double> readings_A;   // at least one, each > 0
  double leakage_A = 0.0;           // optional, default 0
  double temperature_C = 0.0;       // air in the chamber at measurement
  double pressure_kPa = 0.0;        // ambient pressure at measurement
  double reference_temperature_C = kDefaultReferenceTemperature_C;  // optional
  double P_ion = 1.0;               // ion recombination correction (optional)
  std::optional<SweetSpotScan> sweet_spot_scan;  // optional
};

}  // namespace hdr::calib
