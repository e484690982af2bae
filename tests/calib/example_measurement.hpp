#pragma once
// The hdr-calibration/1 example of the formats contract (formats/README.md), copied here so
// that tests never read the shared folder at run time. Expected there: 41 949 U measured
// against a certificate decayed to 41 918 U, +0.07 %, pass.
#include <string>

namespace hdr::calib::test {

inline const std::string kExampleMeasurementJson = R"({ "format": "hdr-calibration/1",
  "measured_at": "2026-11-27T08:15:00Z",
  "source": { "model": "mHDR-v2", "serial": "D36A-1234", "half_life_days": 73.827 },
  "certificate": { "S_K_U": 44700.0, "reference_time": "2026-11-20T12:00:00Z" },
  "chamber": { "model": "HDR 1000 Plus", "serial": "A1", "N_SK_U_per_A": 4.55e11 },
  "electrometer": { "serial": "E1", "P_elec": 1.000 },
  "readings_A": [9.001e-8, 9.000e-8, 8.999e-8],
  "leakage_A": 1.0e-13,
  "temperature_C": 24.5, "pressure_kPa": 99.8, "reference_temperature_C": 22.0,
  "P_ion": 1.0005 }
)";

}  // namespace hdr::calib::test
