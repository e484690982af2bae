#include "db/calibration_input.hpp"

#include "calib/measurement_io.hpp"

namespace hdr::db {

CalibrationInput calibration_input_from(const calib::CalibrationMeasurement& m, const calib::CalibrationResult& r) {
  CalibrationInput in;
  in.model = m.source.model;
  in.serial = m.source.serial;
  in.half_life_days = m.source.half_life_days;
  in.measured_at = m.measured_at;
  in.S_K_U = r.S_K_U;
  in.certificate_S_K_U = m.certificate.S_K_U;
  in.certificate_reference_time = m.certificate.reference_time;
  in.certificate_S_K_at_measurement_U = r.certificate_S_K_at_measurement_U;
  in.deviation_pct = r.deviation_pct;
  in.status = calib::to_string(r.status);
  in.measurement_json = calib::calibration_to_json(m).dump();
  in.result_json = calib::to_json(r).dump();
  return in;
}

}  // namespace hdr::db
