// RecordStore: sources and their calibrations (the physicist's), the accepted strength.
#include <cmath>

#include "db/audit_log.hpp"
#include "db/record_store.hpp"
#include "db/record_store_impl.hpp"
#include "planner/common/error.hpp"

namespace hdr::db {
namespace {

Id ensure_source(Connection& conn, const Actor& by, const std::string& model, const std::string& serial, double half_life_days) {
  {
    Statement st(conn, "SELECT id, half_life_days FROM sources WHERE model = ? AND serial = ?");
    st.bind(1, model).bind(2, serial);
    if (st.step()) {
      require(std::fabs(st.real(1) - half_life_days) <= 1e-9 * half_life_days,
              "source " + model + " serial " + serial + " is recorded with half_life_days " + std::to_string(st.real(1)) +
                  ", the measurement says " + std::to_string(half_life_days));
      return st.int64(0);
    }
  }
  Statement(conn, "INSERT INTO sources(model, serial, half_life_days, created_at) VALUES(?,?,?,?)")
      .bind(1, model).bind(2, serial).bind(3, half_life_days).bind(4, detail::now_text()).run();
  const Id id = conn.last_insert_rowid();
  detail::audit(conn, by, "add_source", "sources", id);
  return id;
}

void check_input(const CalibrationInput& in) {
  require(!in.model.empty(), "calibration source.model is empty");
  require(!in.serial.empty(), "calibration source.serial is empty");
  const auto positive = [](double v, const char* field) {
    require(std::isfinite(v) && v > 0, std::string("calibration ") + field + " = " + std::to_string(v) + ": must be finite and > 0");
  };
  positive(in.half_life_days, "half_life_days");
  positive(in.S_K_U, "S_K_U");
  positive(in.certificate_S_K_U, "certificate_S_K_U");
  positive(in.certificate_S_K_at_measurement_U, "certificate_S_K_at_measurement_U");
  require(std::isfinite(in.deviation_pct), "calibration deviation_pct is not finite");
  require(in.status == "pass" || in.status == "warn" || in.status == "fail",
          "calibration status '" + in.status + "' is not one of pass, warn, fail");
}

CalibrationRecord read_calibration(Statement& st) {
  // Column order of kCalibrationSelect.
  CalibrationRecord r;
  r.calibration_id = st.int64(0);
  r.input.model = st.text(1);
  r.input.serial = st.text(2);
  r.input.half_life_days = st.real(3);
  r.input.measured_at = detail::parse_stored_time(st.text(4), "calibrations.measured_at");
  r.input.S_K_U = st.real(5);
  r.input.certificate_S_K_U = st.real(6);
  r.input.certificate_reference_time = detail::parse_stored_time(st.text(7), "calibrations.certificate_reference_time");
  r.input.certificate_S_K_at_measurement_U = st.real(8);
  r.input.deviation_pct = st.real(9);
  r.input.status = st.text(10);
  r.accepted = st.int64(11) != 0;
  r.reason = st.text(12);
  r.input.measurement_json = st.text(13);
  r.input.result_json = st.text(14);
  r.recorded_by = st.text(15);
  r.recorded_at = detail::parse_stored_time(st.text(16), "calibrations.recorded_at");
  return r;
}

const char* const kCalibrationSelect =
    "SELECT c.id, s.model, s.serial, s.half_life_days, c.measured_at, c.S_K_U, c.certificate_S_K_U, "
    "c.certificate_reference_time, c.certificate_S_K_at_measurement_U, c.deviation_pct, c.status, c.accepted, c.reason, "
    "c.measurement_json, c.result_json, u.name, c.recorded_at FROM calibrations c JOIN sources s ON s.id = c.source "
    "JOIN users u ON u.id = c.recorded_by ";

}  // namespace

CalibrationRecord RecordStore::record_calibration(const Actor& by, const CalibrationInput& input, bool accept,
                                                  const std::string& reason) {
  auto& conn = *impl_->conn;
  detail::require_actor(conn, by, {Role::physicist}, "record source calibrations");
  check_input(input);
  if (accept && input.status == "fail")
    throw Error("calibration of " + input.model + " serial " + input.serial + " deviates " + std::to_string(input.deviation_pct) +
                " % from its certificate (status fail); it cannot be accepted: the source may not be used until resolved");
  if (accept && input.status == "warn" && reason.empty())
    throw Error("calibration of " + input.model + " serial " + input.serial + " deviates " + std::to_string(input.deviation_pct) +
                " % from its certificate (status warn); accepting it needs --reason");
  WriteTransaction tx(conn);
  const Id source = ensure_source(conn, by, input.model, input.serial, input.half_life_days);
  Statement(conn,
            "INSERT INTO calibrations(source, measured_at, S_K_U, certificate_S_K_U, certificate_reference_time, "
            "certificate_S_K_at_measurement_U, deviation_pct, status, accepted, reason, measurement_json, result_json, "
            "recorded_by, recorded_at) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
      .bind(1, source).bind(2, detail::time_text(input.measured_at)).bind(3, input.S_K_U).bind(4, input.certificate_S_K_U)
      .bind(5, detail::time_text(input.certificate_reference_time)).bind(6, input.certificate_S_K_at_measurement_U)
      .bind(7, input.deviation_pct).bind(8, input.status).bind(9, accept ? 1 : 0).bind(10, reason)
      .bind(11, input.measurement_json).bind(12, input.result_json).bind(13, by.user_id).bind(14, detail::now_text()).run();
  const Id id = conn.last_insert_rowid();
  detail::audit(conn, by, accept ? "accept_calibration" : "record_calibration", "calibrations", id);
  Statement st(conn, std::string(kCalibrationSelect) + "WHERE c.id = ?");
  st.bind(1, id);
  HDR_ASSERT(st.step(), "calibration just written is missing");
  CalibrationRecord rec = read_calibration(st);
  st.reset();
  tx.commit();
  return rec;
}

std::vector<SourceRecord> RecordStore::sources() {
  std::vector<SourceRecord> out;
  Statement st(*impl_->conn, "SELECT id, model, serial, half_life_days FROM sources ORDER BY id");
  while (st.step()) out.push_back(SourceRecord{st.int64(0), st.text(1), st.text(2), st.real(3)});
  return out;
}

std::vector<CalibrationRecord> RecordStore::calibrations(const std::string& model, const std::string& serial) {
  std::vector<CalibrationRecord> out;
  Statement st(*impl_->conn, std::string(kCalibrationSelect) + "WHERE s.model = ? AND s.serial = ? ORDER BY c.id");
  st.bind(1, model).bind(2, serial);
  while (st.step()) out.push_back(read_calibration(st));
  return out;
}

std::optional<AcceptedCalibration> RecordStore::accepted_calibration(const std::string& model, const std::string& serial) {
  Statement st(*impl_->conn, std::string(kCalibrationSelect) + "WHERE s.model = ? AND s.serial = ? AND c.accepted = 1 ORDER BY c.id DESC LIMIT 1");
  st.bind(1, model).bind(2, serial);
  if (!st.step()) return std::nullopt;
  const CalibrationRecord r = read_calibration(st);
  return AcceptedCalibration{r.calibration_id, r.input.model, r.input.serial, r.input.S_K_U, r.input.measured_at,
                             r.input.half_life_days, r.recorded_by, r.recorded_at};
}

}  // namespace hdr::db
