// RecordStore: cases (structures, catheters, prescription; immutable once stored) and the
// physician's approval of a case's prescription and contours.
#include "db/audit_log.hpp"
#include "db/record_store.hpp"
#include "db/record_store_impl.hpp"
#include "planner/common/error.hpp"
#include "planner/formats/case_io.hpp"

namespace hdr::db {

std::string canonical_case_text(const formats::Case& planning_case) {
  // nlohmann's objects keep their keys sorted, and its number output round-trips doubles:
  // equal cases give equal text. Read back through the hdr-case/1 reader, so that only a
  // valid case is ever stored, and the text must survive the round trip unchanged.
  const std::string where = "case '" + planning_case.id + "'";
  const std::string text = formats::case_to_json(planning_case).dump();
  const formats::Case back = formats::case_from_json(nlohmann::json::parse(text), where);
  require(formats::case_to_json(back).dump() == text, where + ": does not read back to the same content; refusing to store it");
  return text;
}

std::string case_content_hash(const formats::Case& planning_case) { return blake2b_hex(canonical_case_text(planning_case)); }

namespace detail {

formats::Case parse_stored_case(const std::string& case_json, Id case_ref) {
  const std::string where = "cases row id " + std::to_string(case_ref);
  try {
    return formats::case_from_json(nlohmann::json::parse(case_json), where);
  } catch (const nlohmann::json::exception& e) {
    throw Error(where + ": stored case_json is malformed: " + e.what());
  }
}

}  // namespace detail

namespace {

std::optional<CaseApproval> case_approval_of(Connection& conn, Id case_ref) {
  Statement st(conn,
               "SELECT a.id, u.name, a.approved_at, a.case_hash FROM case_approvals a JOIN users u ON u.id = a.user "
               "WHERE a.case_ref = ?");
  st.bind(1, case_ref);
  if (!st.step()) return std::nullopt;
  return CaseApproval{st.int64(0), case_ref, st.text(1), detail::parse_stored_time(st.text(2), "case_approvals.approved_at"), st.text(3)};
}

}  // namespace

Id RecordStore::store_case(const Actor& by, const std::string& patient_id, const formats::Case& planning_case) {
  auto& conn = *impl_->conn;
  detail::require_actor(conn, by, {Role::physician, Role::physicist}, "store cases");
  require(!patient_id.empty() && patient_id.size() <= 128, "patient id '" + patient_id + "' must have 1 to 128 characters");
  require(!planning_case.id.empty() && planning_case.id.size() <= 128,
          "case id '" + planning_case.id + "' must have 1 to 128 characters (plans refer to their case by it)");
  require(!planning_case.structures.empty(), "case '" + planning_case.id + "' has no structures: there is nothing to approve");
  const std::string text = canonical_case_text(planning_case);
  const std::string hash = blake2b_hex(text);
  WriteTransaction tx(conn);
  const Id patient = detail::ensure_patient(conn, by, patient_id);
  Statement(conn, "INSERT INTO cases(patient, case_id, case_json, content_hash, stored_by, created_at) VALUES(?,?,?,?,?,?)")
      .bind(1, patient).bind(2, planning_case.id).bind(3, text).bind(4, hash).bind(5, by.user_id).bind(6, detail::now_text()).run();
  const Id id = conn.last_insert_rowid();
  detail::audit(conn, by, "store_case", "cases", id);
  tx.commit();
  return id;
}

StoredCase RecordStore::case_record(Id case_ref) {
  auto& conn = *impl_->conn;
  StoredCase sc;
  sc.case_ref = case_ref;
  std::string text;
  {
    Statement st(conn,
                 "SELECT patients.patient_id, cases.case_json, cases.content_hash, users.name, cases.created_at FROM cases "
                 "JOIN patients ON patients.id = cases.patient JOIN users ON users.id = cases.stored_by WHERE cases.id = ?");
    st.bind(1, case_ref);
    if (!st.step()) throw Error("case_ref " + std::to_string(case_ref) + " does not exist in " + path());
    sc.patient_id = st.text(0);
    text = st.text(1);
    sc.content_hash = st.text(2);
    sc.stored_by = st.text(3);
    sc.stored_at = detail::parse_stored_time(st.text(4), "cases.created_at");
  }
  sc.recomputed_hash = blake2b_hex(text);
  sc.case_data = detail::parse_stored_case(text, case_ref);
  sc.approval = case_approval_of(conn, case_ref);
  return sc;
}

std::vector<Id> RecordStore::cases_for_patient(const std::string& patient_id) {
  std::vector<Id> ids;
  Statement st(*impl_->conn,
               "SELECT cases.id FROM cases JOIN patients ON patients.id = cases.patient WHERE patients.patient_id = ? ORDER BY cases.id");
  st.bind(1, patient_id);
  while (st.step()) ids.push_back(st.int64(0));
  return ids;
}

CaseApproval RecordStore::approve_case(const Actor& by, Id case_ref) {
  auto& conn = *impl_->conn;
  detail::require_actor(conn, by, {Role::physician}, "approve a case's prescription and contours");
  WriteTransaction tx(conn);
  const StoredCase sc = case_record(case_ref);
  const std::string what = "case_ref " + std::to_string(case_ref);
  require(sc.recomputed_hash == sc.content_hash,
          what + " was changed after it was stored (stored content no longer matches its hash); refusing to approve it");
  if (sc.approval)
    throw Error(what + " already has a physician's approval (by " + sc.approval->user + " at " + format_iso8601_utc(sc.approval->at) + ")");
  const std::string now = detail::now_text();
  Statement(conn, "INSERT INTO case_approvals(case_ref, user, role, approved_at, case_hash) VALUES(?,?,'physician',?,?)")
      .bind(1, case_ref).bind(2, by.user_id).bind(3, now).bind(4, sc.content_hash).run();
  const Id id = conn.last_insert_rowid();
  detail::audit(conn, by, "approve_case", "case_approvals", id);
  tx.commit();
  return CaseApproval{id, case_ref, by.name, detail::parse_stored_time(now, "case_approvals.approved_at"), sc.content_hash};
}

}  // namespace hdr::db
