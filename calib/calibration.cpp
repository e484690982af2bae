#include "calib/calibration.hpp"

#include <cmath>
#include <sstream>

#include "calib/decay.hpp"
#include "planner/common/error.hpp"

namespace hdr::calib {
namespace {
constexpr double kZeroCelsius_K = 273.15;

// Fixed-point text with `digits` decimals (for messages).
std::string fmt(double v, int digits) {
  std::ostringstream os;
  os.setf(std::ios::fixed);
  os.precision(digits);
  os << v;
  return os.str();
}
std::string fmt(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}
}  // namespace

double c_tp(double temperature_C, double pressure_kPa, double reference_temperature_C) {
  const double T_K = kZeroCelsius_K + temperature_C, Tref_K = kZeroCelsius_K + reference_temperature_C;
  require(std::isfinite(T_K) && T_K > 0, "temperature_C: " + fmt(temperature_C) + " is below absolute zero");
  require(std::isfinite(Tref_K) && Tref_K > 0,
          "reference_temperature_C: " + fmt(reference_temperature_C) + " is below absolute zero");
  require(std::isfinite(pressure_kPa) && pressure_kPa > 0, "pressure_kPa: must be > 0, found " + fmt(pressure_kPa));
  return (T_K / Tref_K) * (kReferencePressure_kPa / pressure_kPa);
}

CalibrationResult compute_calibration(const CalibrationMeasurement& m, const CalibrationOptions& options) {
  options.thresholds.validate();
  require(std::isfinite(m.chamber.N_SK_U_per_A) && m.chamber.N_SK_U_per_A > 0, "chamber.N_SK_U_per_A: must be > 0");
  require(std::isfinite(m.P_ion) && m.P_ion > 0, "P_ion: must be > 0");
  require(std::isfinite(m.electrometer.P_elec) && m.electrometer.P_elec > 0, "electrometer.P_elec: must be > 0");
  require(std::isfinite(m.leakage_A), "leakage_A: not a finite number");
  require(!(m.certificate.reference_time > m.measured_at),
          "certificate.reference_time: the certificate is dated after the measurement: likely entry error");

  CalibrationResult r;
  r.source_model = m.source.model;
  r.source_serial = m.source.serial;
  r.measured_at = m.measured_at;
  r.thresholds = options.thresholds;
  r.readings = compute_reading_stats(m.readings_A);
  r.net_reading_A = r.readings.mean_A - m.leakage_A;
  require(r.net_reading_A > 0, "leakage_A: not smaller than the mean reading");
  r.C_TP = c_tp(m.temperature_C, m.pressure_kPa, m.reference_temperature_C);
  r.S_K_U = r.net_reading_A * m.chamber.N_SK_U_per_A * r.C_TP * m.P_ion * m.electrometer.P_elec;

  r.half_life_days = m.source.half_life_days;
  r.certificate_S_K_U = m.certificate.S_K_U;
  r.certificate_reference_time = m.certificate.reference_time;
  r.certificate_age_days = days_between(m.certificate.reference_time, m.measured_at);
  r.certificate_decay_factor = decay_factor(r.certificate_age_days, m.source.half_life_days);
  r.certificate_S_K_at_measurement_U =
      decay_sk(m.certificate.S_K_U, m.certificate.reference_time, m.measured_at, m.source.half_life_days);
  // Finite inputs can still overflow or underflow (a coefficient typed with the wrong exponent,
  // a certificate from another decade): refuse by name rather than compare nonsense.
  require(std::isfinite(r.S_K_U) && r.S_K_U > 0,
          "S_K_U: the measurement equation gives " + fmt(r.S_K_U) +
              "; check the magnitudes of readings_A and chamber.N_SK_U_per_A");
  require(std::isfinite(r.certificate_S_K_at_measurement_U) && r.certificate_S_K_at_measurement_U > 0,
          "certificate.reference_time: the certificate decayed over " + fmt(r.certificate_age_days, 1) +
              " days leaves no usable strength; is it this source's certificate?");
  r.deviation_pct = deviation_pct(r.S_K_U, r.certificate_S_K_at_measurement_U);
  r.status = classify_deviation(r.deviation_pct, options.thresholds);

  for (const auto& w : r.readings.warnings) r.warnings.push_back(w);
  if (std::fabs(m.leakage_A) > options.leakage_warning_fraction * r.net_reading_A)
    r.warnings.push_back("leakage_A: leakage is " + fmt(100.0 * std::fabs(m.leakage_A) / r.net_reading_A, 3) +
                         " % of the net reading; check the electrometer and cable");
  if (r.certificate_age_days > options.certificate_age_warning_days)
    r.warnings.push_back("certificate.reference_time: the certificate is " + fmt(r.certificate_age_days, 1) +
                         " days older than the measurement; is it this source's certificate?");
  if (m.sweet_spot_scan) {
    r.sweet_spot = analyse_sweet_spot(*m.sweet_spot_scan, options.sweet_spot);
    for (const auto& w : r.sweet_spot->warnings) r.warnings.push_back(w);
  }
  HDR_ASSERT(std::isfinite(r.S_K_U) && r.S_K_U > 0, "measured S_K must be finite and positive");
  return r;
}

nlohmann::json to_json(const CalibrationResult& r) {
  using nlohmann::json;
  const auto opt = [](const std::optional<double>& v) { return v ? json(*v) : json(nullptr); };
  json j = {
      {"source", {{"model", r.source_model}, {"serial", r.source_serial}}},
      {"measured_at", format_iso8601_utc(r.measured_at)},
      {"S_K_U", r.S_K_U},
      {"C_TP", r.C_TP},
      {"mean_reading_A", r.readings.mean_A},
      {"net_reading_A", r.net_reading_A},
      {"readings_count", r.readings.count},
      {"readings_sd_A", opt(r.readings.sd_A)},
      {"readings_relative_sd_pct", opt(r.readings.relative_sd_pct)},
      {"readings_range_pct", r.readings.range_pct},
      {"readings_trend_pct_per_reading", opt(r.readings.trend_pct_per_reading)},
      {"readings_drift_pct", opt(r.readings.drift_pct)},
      {"half_life_days", r.half_life_days},
      {"certificate_S_K_U", r.certificate_S_K_U},
      {"certificate_reference_time", format_iso8601_utc(r.certificate_reference_time)},
      {"certificate_age_days", r.certificate_age_days},
      {"certificate_decay_factor", r.certificate_decay_factor},
      {"certificate_S_K_at_measurement_U", r.certificate_S_K_at_measurement_U},
      {"deviation_pct", r.deviation_pct},
      {"status", to_string(r.status)},
      {"thresholds", {{"pass_below_pct", r.thresholds.pass_below_pct}, {"fail_above_pct", r.thresholds.fail_above_pct}}},
      {"warnings", r.warnings}};
  if (r.sweet_spot) {
    const auto& s = *r.sweet_spot;
    j["sweet_spot"] = {{"peak_position_mm", s.peak_position_mm},
                       {"peak_current_A", s.peak_current_A},
                       {"fitted", s.fitted},
                       {"measurement_offset_mm", s.measurement_offset_mm},
                       {"relative_response_at_measurement", opt(s.relative_response_at_measurement)},
                       {"warnings", s.warnings}};
  }
  return j;
}

}  // namespace hdr::calib
