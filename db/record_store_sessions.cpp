// RecordStore: delivery sessions, per-dwell progress (one durable transaction per report),
// interruptions and the session lifecycle.
#include <cmath>

#include "db/audit_log.hpp"
#include "db/record_store.hpp"
#include "db/record_store_impl.hpp"
#include "planner/common/error.hpp"

namespace hdr::db {

const char* to_string(SessionStatus status) {
  switch (status) {
    case SessionStatus::in_progress: return "in_progress";
    case SessionStatus::interrupted: return "interrupted";
    case SessionStatus::completed: return "completed";
    case SessionStatus::refused: return "refused";
  }
  return "?";
}

SessionStatus session_status_from_string(const std::string& text) {
  for (SessionStatus s : {SessionStatus::in_progress, SessionStatus::interrupted, SessionStatus::completed, SessionStatus::refused})
    if (text == to_string(s)) return s;
  throw Error("session status '" + text + "' is not one of in_progress, interrupted, completed, refused");
}

namespace {

std::string session_name(Id id) { return "delivery session " + std::to_string(id); }

void check_start(const SessionStart& start) {
  require(!start.source_model.empty(), "session source model is empty");
  require(!start.source_serial.empty(), "session source serial is empty");
  require(std::isfinite(start.sk_used_U) && start.sk_used_U > 0,
          "session sk_used_U = " + std::to_string(start.sk_used_U) + ": must be finite and > 0");
  require(start.fraction >= 1, "session fraction = " + std::to_string(start.fraction) + ": must be >= 1");
}

Id insert_session(Connection& conn, const Actor& by, const SessionStart& start, SessionStatus status, const std::optional<std::string>& ended) {
  Statement(conn,
            "INSERT INTO delivery_sessions(plan, fraction, status, delivered_by, source_model, source_serial, sk_used_U, "
            "console_started_at, machine_clock_at_start, ended_at) VALUES(?,?,?,?,?,?,?,?,?,?)")
      .bind(1, start.plan_id).bind(2, start.fraction).bind(3, to_string(status)).bind(4, by.user_id).bind(5, start.source_model)
      .bind(6, start.source_serial).bind(7, start.sk_used_U).bind(8, detail::time_text(start.console_clock))
      .bind(9, start.machine_clock ? std::optional<std::string>(detail::time_text(*start.machine_clock)) : std::nullopt)
      .bind(10, ended).run();
  return conn.last_insert_rowid();
}

int plan_dwell_count(Connection& conn, Id plan_id) {
  Statement st(conn, "SELECT COUNT(*) FROM plan_dwells WHERE plan = ?");
  st.bind(1, plan_id);
  st.step();
  return st.int32(0);
}

struct SessionRow {
  Id plan_id = 0;
  SessionStatus status = SessionStatus::in_progress;
};

SessionRow session_row(Connection& conn, Id session_id) {
  Statement st(conn, "SELECT plan, status FROM delivery_sessions WHERE id = ?");
  st.bind(1, session_id);
  if (!st.step()) throw Error(session_name(session_id) + " does not exist in " + conn.path());
  return SessionRow{st.int64(0), session_status_from_string(st.text(1))};
}

bool transition_allowed(SessionStatus from, SessionStatus to) {
  using S = SessionStatus;
  switch (from) {
    case S::in_progress: return to == S::interrupted || to == S::completed || to == S::refused;
    case S::interrupted: return to == S::in_progress || to == S::completed || to == S::refused;
    case S::completed:
    case S::refused: return false;
  }
  return false;
}

}  // namespace

Id RecordStore::begin_session(const Actor& by, const SessionStart& start) {
  auto& conn = *impl_->conn;
  detail::require_actor(conn, by, {Role::therapist, Role::physicist}, "deliver plans");
  check_start(start);
  const PlanDeliveryStatus status = plan_delivery_status(start.plan_id);
  if (!status.deliverable()) {
    std::string why;
    for (const auto& p : status.problems) why += (why.empty() ? "" : "; ") + p;
    throw Error("delivery refused: " + why);
  }
  WriteTransaction tx(conn);
  const int n = plan_dwell_count(conn, start.plan_id);
  const Id id = insert_session(conn, by, start, SessionStatus::in_progress, std::nullopt);
  detail::audit(conn, by, "begin_session", "delivery_sessions", id);
  for (const auto& d : start.program) {
    require(d.plan_dwell_index >= 0 && d.plan_dwell_index < n,
            "session program: plan dwell index " + std::to_string(d.plan_dwell_index) + " is outside the plan's " + std::to_string(n) + " dwells");
    require(std::isfinite(d.planned_s) && d.planned_s >= 0,
            "session program: planned_s = " + std::to_string(d.planned_s) + " at dwell " + std::to_string(d.plan_dwell_index) + ": must be finite and >= 0");
    Statement(conn, "INSERT INTO session_dwells(session, dwell_index, planned_s, delivered_s) VALUES(?,?,?,0.0)")
        .bind(1, id).bind(2, d.plan_dwell_index).bind(3, d.planned_s).run();
    detail::audit(conn, by, "program_dwell", "session_dwells", conn.last_insert_rowid());
  }
  tx.commit();
  return id;
}

Id RecordStore::record_refusal(const Actor& by, const SessionStart& start, UtcTime at, const std::string& reason) {
  auto& conn = *impl_->conn;
  detail::require_actor(conn, by, {Role::therapist, Role::physicist}, "deliver plans");
  check_start(start);
  require(!reason.empty(), "a refused delivery needs a reason");
  WriteTransaction tx(conn);
  plan(start.plan_id);  // must exist
  const Id id = insert_session(conn, by, start, SessionStatus::refused, detail::time_text(at));
  detail::audit(conn, by, "refuse_delivery", "delivery_sessions", id);
  Statement(conn, "INSERT INTO interruptions(session, at, reason) VALUES(?,?,?)").bind(1, id).bind(2, detail::time_text(at)).bind(3, reason).run();
  detail::audit(conn, by, "interruption", "interruptions", conn.last_insert_rowid());
  tx.commit();
  return id;
}

void RecordStore::record_dwell_progress(const Actor& by, Id session_id, const DwellProgress& progress) {
  auto& conn = *impl_->conn;
  detail::require_actor(conn, by, {Role::therapist, Role::physicist}, "record delivery progress");
  const std::string where = session_name(session_id) + " dwell " + std::to_string(progress.plan_dwell_index);
  require(std::isfinite(progress.delivered_s) && progress.delivered_s >= 0,
          where + ": delivered_s = " + std::to_string(progress.delivered_s) + " must be finite and >= 0");
  require(std::isfinite(progress.planned_s) && progress.planned_s >= 0,
          where + ": planned_s = " + std::to_string(progress.planned_s) + " must be finite and >= 0");
  WriteTransaction tx(conn);
  const SessionRow s = session_row(conn, session_id);
  require(s.status == SessionStatus::in_progress, session_name(session_id) + " is " + to_string(s.status) + ", not in_progress; progress refused");
  {
    Statement st(conn, "SELECT catheter, x_mm, y_mm, z_mm FROM plan_dwells WHERE plan = ? AND dwell_index = ?");
    st.bind(1, s.plan_id).bind(2, progress.plan_dwell_index);
    require(st.step(), where + ": the plan has no dwell with this index");
    const bool same = st.int32(0) == progress.catheter && std::fabs(st.real(1) - progress.position_mm[0]) <= 1e-6 &&
                      std::fabs(st.real(2) - progress.position_mm[1]) <= 1e-6 && std::fabs(st.real(3) - progress.position_mm[2]) <= 1e-6;
    require(same, where + ": catheter/position do not match the plan's dwell (catheter " + std::to_string(st.int32(0)) + ")");
  }
  Id row = 0;
  {
    Statement st(conn, "SELECT id, delivered_s FROM session_dwells WHERE session = ? AND dwell_index = ?");
    st.bind(1, session_id).bind(2, progress.plan_dwell_index);
    if (st.step()) {
      row = st.int64(0);
      require(progress.delivered_s >= st.real(1),
              where + ": delivered_s " + std::to_string(progress.delivered_s) + " is less than the " + std::to_string(st.real(1)) +
                  " s already recorded; delivered time never decreases");
    }
  }
  if (row != 0) {
    Statement(conn, "UPDATE session_dwells SET planned_s = ?, delivered_s = ? WHERE id = ?")
        .bind(1, progress.planned_s).bind(2, progress.delivered_s).bind(3, row).run();
  } else {
    Statement(conn, "INSERT INTO session_dwells(session, dwell_index, planned_s, delivered_s) VALUES(?,?,?,?)")
        .bind(1, session_id).bind(2, progress.plan_dwell_index).bind(3, progress.planned_s).bind(4, progress.delivered_s).run();
    row = conn.last_insert_rowid();
  }
  detail::audit(conn, by, "dwell_progress", "session_dwells", row);
  tx.commit();
}

void RecordStore::add_interruption(const Actor& by, Id session_id, UtcTime at, const std::string& reason) {
  auto& conn = *impl_->conn;
  detail::require_actor(conn, by, {Role::therapist, Role::physicist}, "record delivery interruptions");
  require(!reason.empty(), session_name(session_id) + ": an interruption needs a reason");
  WriteTransaction tx(conn);
  session_row(conn, session_id);
  Statement(conn, "INSERT INTO interruptions(session, at, reason) VALUES(?,?,?)")
      .bind(1, session_id).bind(2, detail::time_text(at)).bind(3, reason).run();
  detail::audit(conn, by, "interruption", "interruptions", conn.last_insert_rowid());
  tx.commit();
}

void RecordStore::set_session_status(const Actor& by, Id session_id, SessionStatus status, std::optional<UtcTime> ended_at) {
  auto& conn = *impl_->conn;
  detail::require_actor(conn, by, {Role::therapist, Role::physicist}, "change delivery sessions");
  WriteTransaction tx(conn);
  const SessionRow s = session_row(conn, session_id);
  require(transition_allowed(s.status, status), session_name(session_id) + ": status may not change from " +
                                                    to_string(s.status) + " to " + to_string(status));
  require(status == SessionStatus::in_progress || ended_at.has_value(),
          session_name(session_id) + ": status " + to_string(status) + " needs an end time");
  std::optional<std::string> ended;
  if (status != SessionStatus::in_progress && ended_at) ended = detail::time_text(*ended_at);
  Statement(conn, "UPDATE delivery_sessions SET status = ?, ended_at = ? WHERE id = ?")
      .bind(1, to_string(status)).bind(2, ended).bind(3, session_id).run();
  detail::audit(conn, by, std::string("session_") + to_string(status), "delivery_sessions", session_id);
  tx.commit();
}

DeliverySession RecordStore::session(Id session_id) {
  auto& conn = *impl_->conn;
  DeliverySession s;
  {
    Statement st(conn,
                 "SELECT d.plan, d.status, u.name, d.source_model, d.source_serial, d.sk_used_U, d.console_started_at, "
                 "d.machine_clock_at_start, d.ended_at, d.fraction FROM delivery_sessions d JOIN users u ON u.id = d.delivered_by "
                 "WHERE d.id = ?");
    st.bind(1, session_id);
    if (!st.step()) throw Error(session_name(session_id) + " does not exist in " + conn.path());
    s.session_id = session_id;
    s.plan_id = st.int64(0);
    s.status = session_status_from_string(st.text(1));
    s.delivered_by = st.text(2);
    s.source_model = st.text(3);
    s.source_serial = st.text(4);
    s.sk_used_U = st.real(5);
    s.started_at = detail::parse_stored_time(st.text(6), "delivery_sessions.console_started_at");
    if (!st.is_null(7)) s.machine_clock = detail::parse_stored_time(st.text(7), "delivery_sessions.machine_clock_at_start");
    if (!st.is_null(8)) s.ended_at = detail::parse_stored_time(st.text(8), "delivery_sessions.ended_at");
    s.fraction = st.int32(9);
  }
  {
    Statement st(conn, "SELECT at, reason FROM interruptions WHERE session = ? ORDER BY at, id");
    st.bind(1, session_id);
    while (st.step()) s.interruptions.push_back(Interruption{detail::parse_stored_time(st.text(0), "interruptions.at"), st.text(1)});
  }
  Statement st(conn,
               "SELECT sd.dwell_index, pd.catheter, pd.x_mm, pd.y_mm, pd.z_mm, sd.planned_s, sd.delivered_s FROM session_dwells sd "
               "JOIN plan_dwells pd ON pd.plan = ? AND pd.dwell_index = sd.dwell_index WHERE sd.session = ? ORDER BY sd.dwell_index");
  st.bind(1, s.plan_id).bind(2, session_id);
  while (st.step())
    s.dwells.push_back(SessionDwell{st.int32(0), st.int32(1), {st.real(2), st.real(3), st.real(4)}, st.real(5), st.real(6)});
  return s;
}

std::vector<DeliverySession> RecordStore::sessions_for_plan(Id plan_id) {
  std::vector<Id> ids;
  {
    Statement st(*impl_->conn, "SELECT id FROM delivery_sessions WHERE plan = ? ORDER BY id");
    st.bind(1, plan_id);
    while (st.step()) ids.push_back(st.int64(0));
  }
  std::vector<DeliverySession> out;
  for (const Id id : ids) out.push_back(session(id));
  return out;
}

std::vector<DwellTotal> RecordStore::delivered_totals(Id plan_id) {
  std::vector<DwellTotal> out;
  Statement st(*impl_->conn,
               "SELECT pd.dwell_index, pd.catheter, pd.x_mm, pd.y_mm, pd.z_mm, pd.time_s, "
               "(SELECT COALESCE(SUM(sd.delivered_s), 0.0) FROM session_dwells sd JOIN delivery_sessions d ON d.id = sd.session "
               " WHERE d.plan = pd.plan AND sd.dwell_index = pd.dwell_index) "
               "FROM plan_dwells pd WHERE pd.plan = ? ORDER BY pd.dwell_index");
  st.bind(1, plan_id);
  while (st.step())
    out.push_back(DwellTotal{st.int32(0), st.int32(1), {st.real(2), st.real(3), st.real(4)}, st.real(5), st.real(6)});
  if (out.empty()) plan(plan_id);  // names a missing plan
  return out;
}

}  // namespace hdr::db
