// Adapter to calib: a well-chamber measurement (hdr-calibration/1 text) to air-kerma strength.
#include <cstdio>

#include "planner/common/error.hpp"
#include "ui/state/backend.hpp"

#if HDR_UI_HAVE_CALIB
#include "calib/calibration.hpp"
#include "calib/measurement_io.hpp"

namespace hdr::ui::backend {
CalibrationResult compute_calibration(const std::string& measurement_json) {
  const auto m = calib::parse_calibration(measurement_json, "calibration form");
  const auto r = calib::compute_calibration(m);
  CalibrationResult out;
  out.sk_U = r.S_K_U;
  out.deviation_pct = r.deviation_pct;
  out.status = calib::to_string(r.status);
  out.source_model = r.source_model;
  out.source_serial = r.source_serial;
  char buf[256];
  std::snprintf(buf, sizeof buf, "%s %s: S_K = %.1f U (C_TP %.4f), certificate decayed %.1f U, deviation %+.2f %% -> %s",
                r.source_model.c_str(), r.source_serial.c_str(), r.S_K_U, r.C_TP, r.certificate_S_K_at_measurement_U,
                r.deviation_pct, out.status.c_str());
  out.summary = buf;
  for (const auto& w : r.warnings) out.summary += "; warning: " + w;
  return out;
}
}  // namespace hdr::ui::backend
#else
namespace hdr::ui::backend {
CalibrationResult compute_calibration(const std::string&) {
  throw Error("calibration is not available in this build (hdr_calib not built)");
}
}  // namespace hdr::ui::backend
#endif
