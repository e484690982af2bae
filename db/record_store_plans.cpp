// RecordStore: patients, plans (immutable once imported), approvals, delivery status.
#include <cmath>
#include <cstdio>

#include "db/audit_log.hpp"
#include "db/record_store.hpp"
#include "db/record_store_impl.hpp"
#include "planner/common/error.hpp"
#include "planner/formats/plan_io.hpp"

namespace hdr::db {

std::string plan_content_hash(const formats::Plan& plan) { return blake2b_hex(formats::canonical_plan_text(plan)); }

namespace detail {

formats::Plan load_plan_rows(Connection& conn, Id plan_id) {
  formats::Plan p;
  {
    Statement st(conn,
                 "SELECT case_id, source_model, source_air_kerma_strength_U, source_reference_time, prescription_dose_Gy, "
                 "prescription_fractions, metrics_json, timing_ms_json, extra_json FROM plans WHERE id = ?");
    st.bind(1, plan_id);
    if (!st.step()) throw Error("plan id " + std::to_string(plan_id) + " does not exist in " + conn.path());
    p.case_id = st.text(0);
    p.source.model = st.text(1);
    p.source.air_kerma_strength_U = st.real(2);
    p.source.reference_time = st.optional_text(3);
    p.prescription.dose_Gy = st.real(4);
    p.prescription.fractions = st.int32(5);
    try {
      p.metrics = nlohmann::json::parse(st.text(6)).get<formats::Metrics>();
      p.timing_ms = nlohmann::json::parse(st.text(7)).get<std::map<std::string, double>>();
      p.extra = nlohmann::json::parse(st.text(8));
    } catch (const nlohmann::json::exception& e) {
      throw Error("plans row id " + std::to_string(plan_id) + ": stored JSON column is malformed: " + e.what());
    }
  }
  Statement st(conn,
               "SELECT dwell_index, catheter, x_mm, y_mm, z_mm, direction_x, direction_y, direction_z, time_s "
               "FROM plan_dwells WHERE plan = ? ORDER BY dwell_index");
  st.bind(1, plan_id);
  while (st.step()) {
    formats::PlanDwell d;
    d.catheter = st.int32(1);
    d.position_mm = {st.real(2), st.real(3), st.real(4)};
    d.direction = {st.real(5), st.real(6), st.real(7)};
    d.time_s = st.real(8);
    p.dwells.push_back(d);
  }
  return p;
}

Id ensure_patient(Connection& conn, const Actor& by, const std::string& patient_id) {
  {
    Statement st(conn, "SELECT id FROM patients WHERE patient_id = ?");
    st.bind(1, patient_id);
    if (st.step()) return st.int64(0);
  }
  Statement(conn, "INSERT INTO patients(patient_id, created_at) VALUES(?, ?)").bind(1, patient_id).bind(2, now_text()).run();
  const Id id = conn.last_insert_rowid();
  audit(conn, by, "add_patient", "patients", id);
  return id;
}

}  // namespace detail

namespace {

void check_plan_values(const formats::Plan& plan) {
  require(!plan.dwells.empty(), "a plan needs at least one dwell");
  require(std::isfinite(plan.source.air_kerma_strength_U) && plan.source.air_kerma_strength_U > 0,
          "plan source.air_kerma_strength_U = " + std::to_string(plan.source.air_kerma_strength_U) + ": must be finite and > 0");
  for (size_t i = 0; i < plan.dwells.size(); ++i) {
    const auto& d = plan.dwells[i];
    bool finite = std::isfinite(d.time_s);
    for (int k = 0; k < 3; ++k) finite = finite && std::isfinite(d.position_mm[k]) && std::isfinite(d.direction[k]);
    require(finite && d.time_s >= 0, "plan dwells[" + std::to_string(i) + "]: position, direction and time_s must be finite, time_s >= 0");
  }
}

// A plan imported with a stored case must be that patient's case, of the plan's case id, with
// the plan's prescription: a plan does not refer to a case it was not made from.
void check_case_ref(Connection& conn, Id case_ref, const std::string& patient_id, const formats::Plan& plan) {
  Statement st(conn,
               "SELECT patients.patient_id, cases.case_id, cases.case_json FROM cases JOIN patients ON patients.id = cases.patient "
               "WHERE cases.id = ?");
  st.bind(1, case_ref);
  const std::string what = "case_ref " + std::to_string(case_ref);
  require(st.step(), what + " does not exist in " + conn.path());
  require(st.text(0) == patient_id, what + " belongs to patient '" + st.text(0) + "', not to patient '" + patient_id + "'");
  require(st.text(1) == plan.case_id, what + " has case id '" + st.text(1) + "', the plan's case_id is '" + plan.case_id + "'");
  const formats::Prescription rx = detail::parse_stored_case(st.text(2), case_ref).prescription;
  const auto gy = [](double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return std::string(buf);
  };
  require(rx.dose_Gy == plan.prescription.dose_Gy && rx.fractions == plan.prescription.fractions,
          what + " prescribes " + gy(rx.dose_Gy) + " Gy x " + std::to_string(rx.fractions) + ", the plan " +
              gy(plan.prescription.dose_Gy) + " Gy x " + std::to_string(plan.prescription.fractions));
}

}  // namespace

Id RecordStore::import_plan(const Actor& by, const std::string& patient_id, const formats::Plan& plan,
                            std::optional<Id> case_ref) {
  auto& conn = *impl_->conn;
  detail::require_actor(conn, by, {Role::physician, Role::physicist}, "import plans");
  require(!patient_id.empty() && patient_id.size() <= 128, "patient id '" + patient_id + "' must have 1 to 128 characters");
  check_plan_values(plan);
  const std::string hash = plan_content_hash(plan);
  WriteTransaction tx(conn);
  if (case_ref) check_case_ref(conn, *case_ref, patient_id, plan);
  const Id patient = detail::ensure_patient(conn, by, patient_id);
  Statement ins(conn,
                "INSERT INTO plans(patient, case_id, source_model, source_air_kerma_strength_U, source_reference_time, "
                "prescription_dose_Gy, prescription_fractions, metrics_json, timing_ms_json, extra_json, content_hash, "
                "imported_by, imported_at, case_ref) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  ins.bind(1, patient).bind(2, plan.case_id).bind(3, plan.source.model).bind(4, plan.source.air_kerma_strength_U)
      .bind(5, plan.source.reference_time).bind(6, plan.prescription.dose_Gy).bind(7, plan.prescription.fractions)
      .bind(8, nlohmann::json(plan.metrics).dump()).bind(9, nlohmann::json(plan.timing_ms).dump())
      .bind(10, (plan.extra.is_object() ? plan.extra : nlohmann::json::object()).dump()).bind(11, hash).bind(12, by.user_id)
      .bind(13, detail::now_text());
  if (case_ref) ins.bind(14, *case_ref);
  else ins.bind_null(14);
  ins.run();
  const Id plan_id = conn.last_insert_rowid();
  Statement dw(conn,
               "INSERT INTO plan_dwells(plan, dwell_index, catheter, x_mm, y_mm, z_mm, direction_x, direction_y, direction_z, time_s) "
               "VALUES(?,?,?,?,?,?,?,?,?,?)");
  for (size_t i = 0; i < plan.dwells.size(); ++i) {
    const auto& d = plan.dwells[i];
    dw.reset();
    dw.bind(1, plan_id).bind(2, static_cast<std::int64_t>(i)).bind(3, d.catheter).bind(4, d.position_mm[0])
        .bind(5, d.position_mm[1]).bind(6, d.position_mm[2]).bind(7, d.direction[0]).bind(8, d.direction[1])
        .bind(9, d.direction[2]).bind(10, d.time_s).run();
  }
  // What is stored must read back to the same content: the hash is the plan's identity.
  const std::string stored = plan_content_hash(detail::load_plan_rows(conn, plan_id));
  HDR_ASSERT(stored == hash, "plan rows do not read back to the imported plan");
  detail::audit(conn, by, "import_plan", "plans", plan_id);
  tx.commit();
  return plan_id;
}

StoredPlan RecordStore::plan(Id plan_id) {
  auto& conn = *impl_->conn;
  StoredPlan sp;
  sp.plan_id = plan_id;
  sp.plan = detail::load_plan_rows(conn, plan_id);
  sp.recomputed_hash = plan_content_hash(sp.plan);
  Statement st(conn,
               "SELECT patients.patient_id, plans.content_hash, users.name, plans.imported_at, plans.case_ref FROM plans "
               "JOIN patients ON patients.id = plans.patient JOIN users ON users.id = plans.imported_by WHERE plans.id = ?");
  st.bind(1, plan_id);
  if (!st.step()) throw Error("plan id " + std::to_string(plan_id) + ": its patient or importing user is missing in " + path());
  sp.patient_id = st.text(0);
  sp.content_hash = st.text(1);
  sp.imported_by = st.text(2);
  sp.imported_at = detail::parse_stored_time(st.text(3), "plans.imported_at");
  if (!st.is_null(4)) sp.case_ref = st.int64(4);
  return sp;
}

std::vector<Id> RecordStore::plans_for_patient(const std::string& patient_id) {
  std::vector<Id> ids;
  Statement st(*impl_->conn, "SELECT plans.id FROM plans JOIN patients ON patients.id = plans.patient WHERE patients.patient_id = ? ORDER BY plans.id");
  st.bind(1, patient_id);
  while (st.step()) ids.push_back(st.int64(0));
  return ids;
}

Approval RecordStore::approve(const Actor& by, Id plan_id) {
  auto& conn = *impl_->conn;
  detail::require_actor(conn, by, {Role::physician, Role::physicist}, "approve plans");
  WriteTransaction tx(conn);
  const StoredPlan sp = plan(plan_id);
  require(sp.recomputed_hash == sp.content_hash,
          "plan id " + std::to_string(plan_id) + " was changed after import (stored content no longer matches its hash); refusing to approve it");
  {
    Statement st(conn, "SELECT users.name FROM approvals JOIN users ON users.id = approvals.user WHERE approvals.plan = ? AND approvals.role = ?");
    st.bind(1, plan_id).bind(2, to_string(by.role));
    if (st.step())
      throw Error("plan id " + std::to_string(plan_id) + " already has a " + to_string(by.role) + "'s approval (by " + st.text(0) + ")");
  }
  const std::string now = detail::now_text();
  Statement(conn, "INSERT INTO approvals(plan, user, role, approved_at, plan_hash) VALUES(?,?,?,?,?)")
      .bind(1, plan_id).bind(2, by.user_id).bind(3, to_string(by.role)).bind(4, now).bind(5, sp.content_hash).run();
  const Id id = conn.last_insert_rowid();
  detail::audit(conn, by, "approve_plan", "approvals", id);
  tx.commit();
  return Approval{id, plan_id, by.name, by.role, detail::parse_stored_time(now, "approved_at"), sp.content_hash};
}

std::vector<Approval> RecordStore::approvals(Id plan_id) {
  std::vector<Approval> out;
  Statement st(*impl_->conn,
               "SELECT approvals.id, users.name, approvals.role, approvals.approved_at, approvals.plan_hash FROM approvals "
               "JOIN users ON users.id = approvals.user WHERE approvals.plan = ? ORDER BY approvals.id");
  st.bind(1, plan_id);
  while (st.step())
    out.push_back(Approval{st.int64(0), plan_id, st.text(1), role_from_string(st.text(2)),
                           detail::parse_stored_time(st.text(3), "approvals.approved_at"), st.text(4)});
  return out;
}

PlanDeliveryStatus RecordStore::plan_delivery_status(Id plan_id) {
  PlanDeliveryStatus s;
  const StoredPlan sp = plan(plan_id);
  s.recorded_hash = sp.content_hash;
  s.recomputed_hash = sp.recomputed_hash;
  s.content_unchanged = sp.recomputed_hash == sp.content_hash;
  const std::string id = "plan id " + std::to_string(plan_id);
  if (!s.content_unchanged)
    s.problems.push_back(id + " was changed after import and approval (stored dwells no longer match the approved hash)");
  for (const auto& a : approvals(plan_id)) {
    // An approval counts only for the content it was given to.
    if (a.plan_hash != sp.recomputed_hash || !s.content_unchanged) continue;
    if (a.role == Role::physician) s.physician_approved = true;
    if (a.role == Role::physicist) s.physicist_approved = true;
  }
  if (!s.physician_approved) s.problems.push_back(id + " has no valid physician's approval");
  if (!s.physicist_approved) s.problems.push_back(id + " has no valid physicist's approval");
  return s;
}

}  // namespace hdr::db
