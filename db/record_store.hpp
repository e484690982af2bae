#pragma once
// The treatment record store: one local SQLite file holding users, patients, plans and their
// approvals, sources and their calibrations, delivery sessions with what was delivered per
// dwell, and an append-only audit log whose entries chain by hash (db/audit_log.hpp).
//
// Rules this class enforces (the domain layer, not the UI):
//  - every write names the acting user (an Actor from authenticate()) and appends one audit
//    entry carrying the full canonical content of what it wrote, the acting user and the
//    user's login session, in the same transaction;
//  - each authenticate() opens a login session (table login_sessions) and logout() ends it;
//    a write with an Actor whose login session has ended is refused. A failed login is
//    recorded (table failed_logins: the user name given, never the password) and audited;
//  - only an admin adds users; a physician or physicist imports and approves plans; a plan is
//    deliverable only with a physician's AND a physicist's approval, both given to the plan's
//    current content hash; a physicist owns calibration; a therapist or physicist delivers;
//  - a case (structures, catheters, prescription) is stored by a physician or physicist and
//    is immutable like a plan: a changed case is stored again as a NEW case. Only a physician
//    approves a case's prescription and contours (once, for its content hash);
//  - plans are immutable once imported: a changed plan is imported again as a NEW plan (with
//    no approvals). Plan rows edited behind the store's back change the recomputed hash, so
//    plan_delivery_status() reports the plan as changed since approval and verify() fails;
//  - delivery progress is one write transaction per report with synchronous=FULL: when
//    record_dwell_progress() returns, the progress survives a crash or power loss.
// Errors (bad input, refused operation, foreign file) are hdr::Error naming what is wrong.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "planner/common/iso_time.hpp"
#include "planner/formats/types.hpp"

namespace hdr::db {

using Id = std::int64_t;

enum class Role { admin, physician, physicist, therapist };
const char* to_string(Role role);
// "admin" | "physician" | "physicist" | "therapist"; hdr::Error naming the text otherwise.
Role role_from_string(const std::string& text);

// An authenticated user: only authenticate() makes these. It carries the login session that
// authenticate() opened; once logout() ends that session, writes with this Actor are refused.
struct Actor {
  Id user_id = 0;
  std::string name;
  Role role = Role::therapist;
  Id login_session_id = 0;  // row of login_sessions; 0 only in a default-constructed Actor
};

// How a login session ended (login_sessions.ended_how): "logout" when the user or program
// logged out normally, "aborted" when a program ended it on an error path.
enum class LoginEnd { logout, aborted };
const char* to_string(LoginEnd how);

struct LoginSession {
  Id login_session_id = 0;
  std::string user;
  UtcTime started_at;
  std::optional<UtcTime> ended_at;     // nullopt while the session is open
  std::optional<LoginEnd> ended_how;   // set with ended_at
};

struct UserInfo {
  Id user_id = 0;
  std::string name;
  Role role = Role::therapist;
  UtcTime created_at;
};

struct StoreOptions {
  // Argon2id cost for new password hashes (libsodium crypto_pwhash_str). Defaults are
  // libsodium's INTERACTIVE limits (about 0.1 s, 64 MiB); tests may lower them to the
  // library minimum. Existing hashes carry their own parameters.
  unsigned long long pwhash_opslimit = 2;      // crypto_pwhash_OPSLIMIT_INTERACTIVE
  std::size_t pwhash_memlimit = 67108864;      // crypto_pwhash_MEMLIMIT_INTERACTIVE, bytes
  // Milliseconds SQLite waits for another connection's write lock before failing.
  int busy_timeout_ms = 5000;
  // Empty when valid, else "StoreOptions::<field> = <value>: <rule>".
  std::string validate() const;
};

struct StoredPlan {
  Id plan_id = 0;
  std::string patient_id;
  std::optional<Id> case_ref;  // the stored case the plan was made from, when imported with one
  formats::Plan plan;          // rebuilt from the plan rows (plans + plan_dwells)
  std::string content_hash;    // hash recorded at import (hex BLAKE2b-256 of canonical_plan_text)
  std::string recomputed_hash; // hash of the plan as stored now; differs only after tampering
  std::string imported_by;
  UtcTime imported_at;
};

struct Approval {
  Id approval_id = 0;
  Id plan_id = 0;
  std::string user;
  Role role = Role::physician;  // the approver's role: physician or physicist
  UtcTime at;
  std::string plan_hash;       // the plan's content hash the approval was given to
};

// A physician's approval of a case's prescription and contours.
struct CaseApproval {
  Id approval_id = 0;
  Id case_ref = 0;
  std::string user;
  UtcTime at;
  std::string case_hash;  // the case's content hash the approval was given to
};

struct StoredCase {
  Id case_ref = 0;              // row id in cases
  std::string patient_id;
  formats::Case case_data;      // rebuilt from cases.case_json
  std::string content_hash;     // recorded when stored (hex BLAKE2b-256 of canonical_case_text)
  std::string recomputed_hash;  // hash of cases.case_json as stored now; differs only after tampering
  std::string stored_by;
  UtcTime stored_at;
  std::optional<CaseApproval> approval;  // the physician's, if given
};

// Whether a plan may be delivered, with every reason it may not.
struct PlanDeliveryStatus {
  bool physician_approved = false;  // an approval by a physician for the current hash
  bool physicist_approved = false;  // an approval by a physicist for the current hash
  bool content_unchanged = false;   // recomputed hash == hash recorded at import and approval
  std::string recorded_hash;
  std::string recomputed_hash;
  std::vector<std::string> problems;  // human-readable, empty when deliverable
  bool deliverable() const { return physician_approved && physicist_approved && content_unchanged; }
};

struct SourceRecord {
  Id source_id = 0;
  std::string model;   // source model id, e.g. "mHDR-v2"
  std::string serial;  // e.g. "D36A-1234"
  double half_life_days = 73.827;
};

// A calibration measurement as stored. `measurement_json` is the hdr-calibration/1 input as
// given; the computed fields are the calibration library's result.
struct CalibrationInput {
  std::string model;
  std::string serial;
  double half_life_days = 73.827;
  UtcTime measured_at;
  double S_K_U = 0.0;                           // measured air-kerma strength at measured_at
  double certificate_S_K_U = 0.0;               // certificate value at its reference time
  UtcTime certificate_reference_time;
  double certificate_S_K_at_measurement_U = 0.0;
  double deviation_pct = 0.0;
  std::string status;                           // "pass" | "warn" | "fail" from the calibration library
  std::string measurement_json;                 // the full input (chamber, electrometer, readings...)
  std::string result_json;                      // the full computed result
};

struct CalibrationRecord {
  Id calibration_id = 0;
  CalibrationInput input;
  bool accepted = false;
  std::string reason;        // the physicist's reason (required to accept a "warn")
  std::string recorded_by;
  UtcTime recorded_at;
};

// The strength the console plans and delivers with: the source's latest accepted calibration.
struct AcceptedCalibration {
  Id calibration_id = 0;
  std::string model;
  std::string serial;
  double S_K_U = 0.0;           // at reference_time (= the measurement time)
  UtcTime reference_time;
  double half_life_days = 73.827;
  std::string accepted_by;
  UtcTime accepted_at;
};

enum class SessionStatus { in_progress, interrupted, completed, refused };
const char* to_string(SessionStatus status);
SessionStatus session_status_from_string(const std::string& text);

// One dwell of the program a session delivers: the plan's dwell by its index in
// StoredPlan::plan.dwells (0-based), and the time the session planned to deliver there
// (decay-corrected, so it may differ from the plan's time_s).
struct SessionDwellPlan {
  int plan_dwell_index = 0;
  double planned_s = 0.0;
};

struct SessionStart {
  Id plan_id = 0;
  std::string source_model;
  std::string source_serial;
  double sk_used_U = 0.0;              // source strength at the start, decayed to now
  UtcTime console_clock;               // console's time at the start
  std::optional<UtcTime> machine_clock;  // the afterloader's clock at the start, if it reports one
  int fraction = 1;
  // The program: one entry per dwell the session will deliver, recorded with delivered_s = 0.
  // May be empty; record_dwell_progress() adds dwells not listed here.
  std::vector<SessionDwellPlan> program;
};

struct DwellProgress {
  int plan_dwell_index = 0;  // index into the plan's dwells
  int catheter = 0;          // must equal the plan's dwell's catheter (checked)
  formats::Vec3 position_mm{};  // must equal the plan's dwell's position (checked, 1e-6 mm)
  double planned_s = 0.0;
  // What this session has delivered at this dwell so far (replaces the previous value; it
  // may not decrease). Finite and >= 0.
  double delivered_s = 0.0;
};

struct SessionDwell {
  int plan_dwell_index = 0;
  int catheter = 0;
  formats::Vec3 position_mm{};
  double planned_s = 0.0;
  double delivered_s = 0.0;
};

struct Interruption {
  UtcTime at;
  std::string reason;
};

struct DeliverySession {
  Id session_id = 0;
  Id plan_id = 0;
  SessionStatus status = SessionStatus::in_progress;
  std::string delivered_by;
  std::string source_model;
  std::string source_serial;
  double sk_used_U = 0.0;
  UtcTime started_at;                   // console clock at the start
  std::optional<UtcTime> machine_clock;
  std::optional<UtcTime> ended_at;
  int fraction = 1;
  std::vector<Interruption> interruptions;  // in time order
  std::vector<SessionDwell> dwells;         // by plan_dwell_index
};

// A plan dwell's delivered time summed over all sessions of the plan.
struct DwellTotal {
  int plan_dwell_index = 0;
  int catheter = 0;
  formats::Vec3 position_mm{};
  double plan_time_s = 0.0;
  double delivered_s = 0.0;
};

struct VerifyReport {
  std::vector<std::string> problems;  // each names the table/row/entry at fault
  std::size_t audit_entries = 0;
  bool ok() const { return problems.empty(); }
};

class RecordStore {
 public:
  // A new store at `path` with its first (admin) user. Refuses an existing file.
  static RecordStore create(const std::string& path, const std::string& admin_name,
                            const std::string& admin_password, const StoreOptions& options = {});
  // Opens an existing store, migrating an older schema. Refuses (without writing to it) a
  // missing file, a file that is not SQLite, a SQLite file of another application, and a
  // store of a newer schema version than this program knows.
  static RecordStore open(const std::string& path, const StoreOptions& options = {});

  RecordStore(RecordStore&&) noexcept;
  RecordStore& operator=(RecordStore&&) noexcept;
  RecordStore(const RecordStore&) = delete;
  RecordStore& operator=(const RecordStore&) = delete;
  ~RecordStore();

  const std::string& path() const;
  int schema_version() const;

  // --- users and login sessions ---
  // Opens a login session (audited "login") and returns the user's Actor carrying it.
  // Wrong user or password: the attempt is recorded in failed_logins and audited
  // ("login_failed", the name given, no password), then hdr::Error("authentication failed for
  // user '<name>'").
  Actor authenticate(const std::string& name, const std::string& password);
  // Ends the Actor's login session (audited "logout"); later writes with it are refused.
  // hdr::Error when the session is not the Actor's or has already ended.
  void logout(const Actor& actor, LoginEnd how = LoginEnd::logout);
  std::vector<LoginSession> login_sessions(const std::string& user_name);  // oldest first
  // Admin only. Names are unique (1..64 printable characters); passwords non-empty.
  UserInfo add_user(const Actor& by, const std::string& name, Role role, const std::string& password);
  std::vector<UserInfo> users();

  // --- patients and plans ---
  // Physician or physicist. Creates the patient if new; always a new plan with no approvals.
  // With `case_ref`, the plan refers to that stored case (plans.case_ref), which must belong
  // to the same patient and carry the plan's case id and prescription.
  Id import_plan(const Actor& by, const std::string& patient_id, const formats::Plan& plan,
                 std::optional<Id> case_ref = std::nullopt);
  StoredPlan plan(Id plan_id);  // hdr::Error when there is no such plan
  std::vector<Id> plans_for_patient(const std::string& patient_id);
  // Physician or physicist; records an approval in the actor's role for the plan's current
  // hash. Refused when the stored plan no longer matches its hash, or the same role already
  // approved it.
  Approval approve(const Actor& by, Id plan_id);
  std::vector<Approval> approvals(Id plan_id);
  PlanDeliveryStatus plan_delivery_status(Id plan_id);

  // --- cases (structures, catheters, prescription) ---
  // Physician or physicist. Creates the patient if new; always a new case (immutable), stored
  // as canonical_case_text with its content hash. The case needs an id and a structure.
  Id store_case(const Actor& by, const std::string& patient_id, const formats::Case& planning_case);
  StoredCase case_record(Id case_ref);  // hdr::Error when there is no such case
  std::vector<Id> cases_for_patient(const std::string& patient_id);
  // Physician only: approves the case's prescription and contours for its current content hash.
  // Refused when the stored case no longer matches its hash, or it is already approved.
  CaseApproval approve_case(const Actor& by, Id case_ref);

  // --- sources and calibrations ---
  // Physicist only. Adds the source (model, serial) if new. With accept: a "fail" is refused,
  // a "warn" needs a non-empty reason.
  CalibrationRecord record_calibration(const Actor& by, const CalibrationInput& input, bool accept,
                                       const std::string& reason);
  std::vector<SourceRecord> sources();
  std::vector<CalibrationRecord> calibrations(const std::string& model, const std::string& serial);
  std::optional<AcceptedCalibration> accepted_calibration(const std::string& model, const std::string& serial);

  // --- delivery sessions (therapist or physicist) ---
  // Refused unless plan_delivery_status(plan_id).deliverable().
  Id begin_session(const Actor& by, const SessionStart& start);
  // A delivery that was refused before anything was sent to the machine (plan not approved,
  // strength mismatch...): a session with status refused, ended at `at`, with `reason` as its
  // one interruption. Allowed for any plan.
  Id record_refusal(const Actor& by, const SessionStart& start, UtcTime at, const std::string& reason);
  // One synchronous write transaction per call.
  void record_dwell_progress(const Actor& by, Id session_id, const DwellProgress& progress);
  void add_interruption(const Actor& by, Id session_id, UtcTime at, const std::string& reason);
  // Status transitions: in_progress -> interrupted | completed | refused; interrupted ->
  // in_progress (resume) | completed | refused. ended_at required except for in_progress.
  void set_session_status(const Actor& by, Id session_id, SessionStatus status, std::optional<UtcTime> ended_at);
  DeliverySession session(Id session_id);
  std::vector<DeliverySession> sessions_for_plan(Id plan_id);  // oldest first
  std::vector<DwellTotal> delivered_totals(Id plan_id);        // one per plan dwell, in plan order

  // --- integrity ---
  // PRAGMA integrity_check, the audit chain (no entry edited, deleted, inserted or
  // reordered), and every stored row still equal to its latest audit record.
  VerifyReport verify();

 private:
  struct Impl;
  explicit RecordStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Hex BLAKE2b-256 of canonical_plan_text(plan): the plan's content hash.
std::string plan_content_hash(const formats::Plan& plan);

// The stored form of a case: its hdr-case/1 JSON (format, id, source, prescription,
// structures, catheters, dwell step) serialised with sorted keys. hdr::Error naming the field
// when the case is not a valid hdr-case/1.
std::string canonical_case_text(const formats::Case& planning_case);
// Hex BLAKE2b-256 of canonical_case_text(planning_case): the case's content hash.
std::string case_content_hash(const formats::Case& planning_case);

}  // namespace hdr::db
