#pragma once
// From the calibration library's values (calib/) to what the record store keeps: the
// measurement as given (hdr-calibration/1) and the computed result, both in full.
#include "calib/calibration.hpp"
#include "calib/measurement.hpp"
#include "db/record_store.hpp"

namespace hdr::db {

CalibrationInput calibration_input_from(const calib::CalibrationMeasurement& m, const calib::CalibrationResult& r);

}  // namespace hdr::db
