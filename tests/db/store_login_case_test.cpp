// Login sessions (one per authenticate(), ended by logout(); writes with an ended one refused;
// every audit entry carries its login session), failed logins, and cases (stored immutably by a
// physician or physicist, approved by a physician only, referenced by plans, tamper-evident).
#include <doctest/doctest.h>

#include <sqlite3.h>

#include <cmath>
#include <filesystem>
#include <limits>

#include "db/record_store.hpp"
#include "db_test_support.hpp"
#include "planner/formats/case_io.hpp"

using namespace hdr::db;
using namespace hdr::db::test;
namespace fs = std::filesystem;

TEST_CASE("login sessions: authenticate opens one, logout ends it, an ended session's writes are refused") {
  const auto dir = scratch_dir("login");
  const fs::path file = dir / "r.db";
  RecordStore store = new_store(file);
  const Team t = make_team(store);
  REQUIRE(t.physician.login_session_id > 0);
  CHECK(t.physician.login_session_id != t.physicist.login_session_id);
  auto paula = store.login_sessions("paula");
  REQUIRE(paula.size() == 1);
  CHECK(paula[0].login_session_id == t.physician.login_session_id);
  CHECK_FALSE(paula[0].ended_at.has_value());

  const Id plan = store.import_plan(t.physician, "P1", small_plan());
  // The write's audit entry names the user and the login session.
  CHECK(sql_value(file, "SELECT user || '/' || login_session FROM audit_log WHERE action = 'import_plan'") ==
        std::to_string(t.physician.user_id) + "/" + std::to_string(t.physician.login_session_id));
  CHECK(sql_value(file, "SELECT COUNT(*) FROM audit_log WHERE action = 'login' AND entity = 'login_sessions'") == "4");

  store.logout(t.physician);
  paula = store.login_sessions("paula");
  REQUIRE(paula.size() == 1);
  REQUIRE(paula[0].ended_at.has_value());
  CHECK(paula[0].ended_how == LoginEnd::logout);
  CHECK(sql_value(file, "SELECT ended_how FROM login_sessions WHERE id = " + std::to_string(t.physician.login_session_id)) == "logout");
  CHECK(sql_value(file, "SELECT login_session FROM audit_log WHERE action = 'logout'") == std::to_string(t.physician.login_session_id));

  // Every kind of write with the ended session is refused, naming the session; nothing is written.
  const std::string audit_before = sql_value(file, "SELECT COUNT(*) FROM audit_log");
  CHECK_THROWS_WITH_AS(store.import_plan(t.physician, "P1", small_plan()), doctest::Contains("paula' is no longer logged in: login session"),
                       hdr::Error);
  CHECK_THROWS_WITH_AS(store.approve(t.physician, plan), doctest::Contains("ended at"), hdr::Error);
  CHECK_THROWS_WITH_AS(store.store_case(t.physician, "P1", small_case()), doctest::Contains("no longer logged in"), hdr::Error);
  CHECK_THROWS_WITH_AS(store.logout(t.physician), doctest::Contains("has already ended"), hdr::Error);
  CHECK(store.plans_for_patient("P1").size() == 1);
  CHECK(store.approvals(plan).empty());
  CHECK(sql_value(file, "SELECT COUNT(*) FROM audit_log") == audit_before);

  // Another login of the same user is a new session; other users' sessions are unaffected.
  const Actor again = store.authenticate("paula", "paula-pw");
  CHECK(again.login_session_id > t.therapist.login_session_id);
  store.approve(again, plan);
  store.approve(t.physicist, plan);
  CHECK(store.plan_delivery_status(plan).deliverable());
  store.logout(again, LoginEnd::aborted);
  CHECK(store.login_sessions("paula").at(1).ended_how == LoginEnd::aborted);

  // A logout through another connection is seen by this one's next write.
  {
    RecordStore other = RecordStore::open(file.string(), quick_options());
    other.logout(t.physicist);
  }
  CHECK_THROWS_WITH_AS(store.record_calibration(t.physicist, calibration(), true, ""), doctest::Contains("no longer logged in"), hdr::Error);
  CHECK(store.sources().empty());

  // An Actor without a login session, or with someone else's, is refused.
  Actor no_session = t.therapist;
  no_session.login_session_id = 0;
  SessionStart start{plan, "mHDR-v2", "D36A-1234", 40000.0, hdr::utc_now(), std::nullopt, 1, {}};
  CHECK_THROWS_WITH_AS(store.begin_session(no_session, start), doctest::Contains("has no login session"), hdr::Error);
  Actor borrowed = t.therapist;
  borrowed.login_session_id = t.admin.login_session_id;
  CHECK_THROWS_WITH_AS(store.begin_session(borrowed, start), doctest::Contains("is not a login session of user 'tom'"), hdr::Error);
  CHECK_THROWS_WITH_AS(store.logout(borrowed), doctest::Contains("does not exist"), hdr::Error);
  CHECK(store.sessions_for_plan(plan).empty());
  CHECK(store.begin_session(t.therapist, start) > 0);
  const auto report = store.verify();
  CHECK_MESSAGE(report.ok(), problems_text(report));
}

TEST_CASE("failed logins are recorded and audited with the name given, never the password") {
  const auto dir = scratch_dir("failed-login");
  const fs::path file = dir / "r.db";
  RecordStore store = new_store(file);
  CHECK_THROWS_WITH_AS(store.authenticate("alice", "s3cret-guess"), doctest::Contains("authentication failed for user 'alice'"), hdr::Error);
  CHECK_THROWS_WITH_AS(store.authenticate("mallory", "other-guess"), doctest::Contains("authentication failed for user 'mallory'"), hdr::Error);
  CHECK_THROWS_AS(store.authenticate(std::string(200, 'x'), "pw"), hdr::Error);
  CHECK(sql_value(file, "SELECT COUNT(*) FROM failed_logins") == "3");
  CHECK(sql_value(file, "SELECT user_name || '|' || user || '|' || reason FROM failed_logins WHERE id = 1") == "alice|1|wrong password");
  CHECK(sql_value(file, "SELECT user_name || '|' || IFNULL(user, 'NULL') || '|' || reason FROM failed_logins WHERE id = 2") ==
        "mallory|NULL|unknown user");
  CHECK(sql_value(file, "SELECT user_name FROM failed_logins WHERE id = 3") == std::string(64, 'x') + "... (200 bytes)");
  CHECK(sql_value(file, "SELECT COUNT(*) FROM audit_log WHERE action = 'login_failed' AND entity = 'failed_logins' AND user IS NULL") == "3");
  CHECK(sql_value(file, "SELECT user_name FROM audit_log WHERE action = 'login_failed' ORDER BY seq LIMIT 1") == "alice");
  // No password anywhere in the store: not in the rows, not in the audit trail.
  for (const char* pw : {"s3cret-guess", "other-guess", "alice-pw"}) {
    CHECK(sql_value(file, std::string("SELECT COUNT(*) FROM audit_log WHERE content LIKE '%") + pw + "%'") == "0");
    CHECK(sql_value(file, std::string("SELECT COUNT(*) FROM failed_logins WHERE user_name LIKE '%") + pw + "%'") == "0");
  }
  CHECK(store.login_sessions("alice").empty());  // no session for a failed login
  CHECK(store.verify().ok());
  // Deleting a failed attempt to hide it is detected.
  exec_sql(file, "DELETE FROM failed_logins WHERE user_name = 'mallory'");
  const auto p = problems_text(store.verify());
  CHECK_MESSAGE(p.find("failed_logins row id 2 recorded in audit entry") != std::string::npos, p);
}

TEST_CASE("audit entries hash their login session; login sessions are tamper-evident") {
  const auto dir = scratch_dir("login-tamper");
  const fs::path golden = dir / "golden.db";
  {
    RecordStore store = new_store(golden);
    const Team t = make_team(store);
    store.import_plan(t.physician, "P1", small_plan());
    store.logout(t.physician);
    REQUIRE(store.verify().ok());
  }
  const auto tamper = [&](const std::string& sql) {
    const VerifyReport r = verify_tampered_copy(golden, sql);
    CHECK_FALSE(r.ok());
    return problems_text(r);
  };
  SUBCASE("an entry's login session cleared") {
    const auto p = tamper("UPDATE audit_log SET login_session = NULL WHERE action = 'import_plan'");
    CHECK_MESSAGE(p.find("(import_plan plans 1): its hash does not match its content (entry edited)") != std::string::npos, p);
  }
  SUBCASE("an entry moved to another login session") {
    const auto p = tamper("UPDATE audit_log SET login_session = 1 WHERE action = 'import_plan'");
    CHECK_MESSAGE(p.find("its hash does not match its content") != std::string::npos, p);
  }
  SUBCASE("an entry without a login session given one") {
    const auto p = tamper("UPDATE audit_log SET login_session = 1 WHERE action = 'create_store'");
    CHECK_MESSAGE(p.find("audit_log entry seq 1 (create_store users 1): its hash does not match") != std::string::npos, p);
  }
  SUBCASE("an ended session reopened") {
    const auto p = tamper("UPDATE login_sessions SET ended_at = NULL, ended_how = NULL");
    CHECK_MESSAGE(p.find("login_sessions row id 2 differs from its audit record") != std::string::npos, p);
  }
}

TEST_CASE("cases: stored immutably by a physician or physicist; a physician alone approves them") {
  const auto dir = scratch_dir("cases");
  const fs::path file = dir / "r.db";
  RecordStore store = new_store(file);
  const Team t = make_team(store);
  const auto c = small_case();
  CHECK_THROWS_WITH_AS(store.store_case(t.therapist, "P1", c), doctest::Contains("only physician or physicist may store cases"), hdr::Error);
  CHECK_THROWS_AS(store.store_case(t.admin, "P1", c), hdr::Error);
  CHECK(store.cases_for_patient("P1").empty());

  const Id id = store.store_case(t.physicist, "P1", c);
  StoredCase sc = store.case_record(id);
  CHECK(sc.patient_id == "P1");
  CHECK(sc.stored_by == "phil");
  CHECK(hdr::formats::case_to_json(sc.case_data) == hdr::formats::case_to_json(c));
  CHECK(sc.content_hash == case_content_hash(c));
  CHECK(sc.recomputed_hash == sc.content_hash);
  CHECK_FALSE(sc.approval.has_value());
  // Stored canonically: the column holds exactly the canonical text, and the audit entry its hash.
  CHECK(sql_value(file, "SELECT case_json FROM cases WHERE id = " + std::to_string(id)) == canonical_case_text(c));
  CHECK(sql_value(file, "SELECT content LIKE '%" + sc.content_hash + "%' FROM audit_log WHERE action = 'store_case'") == "1");
  CHECK(sql_value(file, "SELECT login_session FROM audit_log WHERE action = 'store_case'") == std::to_string(t.physicist.login_session_id));

  // Only a physician approves the prescription and contours, once.
  for (const Actor* a : {&t.physicist, &t.therapist, &t.admin})
    CHECK_THROWS_WITH_AS(store.approve_case(*a, id), doctest::Contains("only physician may approve a case"), hdr::Error);
  CHECK_FALSE(store.case_record(id).approval.has_value());
  const CaseApproval ap = store.approve_case(t.physician, id);
  CHECK(ap.user == "paula");
  CHECK(ap.case_hash == sc.content_hash);
  sc = store.case_record(id);
  REQUIRE(sc.approval.has_value());
  CHECK(sc.approval->approval_id == ap.approval_id);
  CHECK_THROWS_WITH_AS(store.approve_case(t.physician, id), doctest::Contains("already has a physician's approval (by paula"), hdr::Error);
  CHECK_THROWS_WITH_AS(store.approve_case(t.physician, 99), doctest::Contains("case_ref 99 does not exist"), hdr::Error);

  // A changed case is a new case, without approval; the approved one stays as it was.
  const Id changed = store.store_case(t.physician, "P1", small_case(14.0));
  CHECK(changed != id);
  CHECK_FALSE(store.case_record(changed).approval.has_value());
  CHECK(store.case_record(id).case_data.prescription.dose_Gy == 15.0);
  CHECK(store.cases_for_patient("P1") == std::vector<Id>{id, changed});

  // Invalid cases are refused naming what is wrong, and nothing is stored.
  auto no_structures = c;
  no_structures.structures.clear();
  CHECK_THROWS_WITH_AS(store.store_case(t.physician, "P1", no_structures), doctest::Contains("has no structures"), hdr::Error);
  auto no_id = c;
  no_id.id.clear();
  CHECK_THROWS_WITH_AS(store.store_case(t.physician, "P1", no_id), doctest::Contains("case id '' must have 1 to 128"), hdr::Error);
  auto bad_dose = c;
  bad_dose.prescription.dose_Gy = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH_AS(store.store_case(t.physician, "P1", bad_dose), doctest::Contains("prescription"), hdr::Error);
  auto flat = c;
  flat.structures[1].slices[0].points_mm = {{0.0, 0.0}, {1.0, 1.0}, {2.0, 2.0}};
  CHECK_THROWS_WITH_AS(store.store_case(t.physician, "P1", flat), doctest::Contains("encloses no area"), hdr::Error);
  CHECK(store.cases_for_patient("P1").size() == 2);
  const auto report = store.verify();
  CHECK_MESSAGE(report.ok(), problems_text(report));
}

TEST_CASE("plans may refer to their stored case; import without a case still works") {
  const auto dir = scratch_dir("plan-case");
  RecordStore store = new_store(dir / "r.db");
  const Team t = make_team(store);
  const Id case_p1 = store.store_case(t.physician, "P1", small_case());
  const Id case_p2 = store.store_case(t.physician, "P2", small_case());
  const Id case_14 = store.store_case(t.physician, "P1", small_case(14.0));

  const Id with_case = store.import_plan(t.physicist, "P1", small_plan(), case_p1);
  CHECK(store.plan(with_case).case_ref == case_p1);
  const Id without = store.import_plan(t.physicist, "P1", small_plan());
  CHECK_FALSE(store.plan(without).case_ref.has_value());
  CHECK(store.plan(with_case).content_hash == store.plan(without).content_hash);  // the reference is not plan content

  CHECK_THROWS_WITH_AS(store.import_plan(t.physicist, "P1", small_plan(), case_p2), doctest::Contains("belongs to patient 'P2', not to patient 'P1'"),
                       hdr::Error);
  CHECK_THROWS_WITH_AS(store.import_plan(t.physicist, "P1", small_plan(), case_14), doctest::Contains("prescribes 14 Gy x 1, the plan 15 Gy x 1"), hdr::Error);
  auto other_case_id = small_plan();
  other_case_id.case_id = "case-08";
  CHECK_THROWS_WITH_AS(store.import_plan(t.physicist, "P1", other_case_id, case_p1), doctest::Contains("has case id 'case-07', the plan's case_id is 'case-08'"),
                       hdr::Error);
  CHECK_THROWS_WITH_AS(store.import_plan(t.physicist, "P1", small_plan(), 42), doctest::Contains("case_ref 42 does not exist"), hdr::Error);
  CHECK(store.plans_for_patient("P1") == std::vector<Id>{with_case, without});
  CHECK(store.verify().ok());
}

TEST_CASE("a case edited behind the store's back: verify names it, and it can no longer be approved") {
  const auto dir = scratch_dir("case-tamper");
  const fs::path golden = dir / "golden.db";
  {
    RecordStore store = new_store(golden);
    const Team t = make_team(store);
    const Id approved = store.store_case(t.physician, "P1", small_case());
    store.approve_case(t.physician, approved);
    store.store_case(t.physician, "P1", small_case(14.0));  // case 2, not approved
    store.import_plan(t.physician, "P1", small_plan(), approved);
    REQUIRE(store.verify().ok());
  }
  const auto tampered = [&](const std::string& sql) {
    const fs::path copy = dir / "tampered.db";
    fs::remove(copy);
    fs::copy_file(golden, copy);
    exec_sql(copy, sql);
    return copy;
  };
  SUBCASE("the prescription of an unapproved case raised") {
    const fs::path f = tampered("UPDATE cases SET case_json = replace(case_json, '\"dose_Gy\":14.0', '\"dose_Gy\":18.0') WHERE id = 2");
    REQUIRE(sql_value(f, "SELECT instr(case_json, '18.0') > 0 FROM cases WHERE id = 2") == "1");
    RecordStore store = RecordStore::open(f.string(), quick_options());
    const auto p = problems_text(store.verify());
    CHECK_MESSAGE(p.find("cases row id 2 differs from its audit record") != std::string::npos, p);
    CHECK_MESSAGE(p.find("cases row id 2: stored case content no longer matches its content hash") != std::string::npos, p);
    CHECK(store.case_record(2).recomputed_hash != store.case_record(2).content_hash);
    const Actor paula = store.authenticate("paula", "paula-pw");
    CHECK_THROWS_WITH_AS(store.approve_case(paula, 2), doctest::Contains("case_ref 2 was changed after it was stored"), hdr::Error);
  }
  SUBCASE("a contour point of the approved case moved") {
    const fs::path f = tampered("UPDATE cases SET case_json = replace(case_json, '[-15.0,0.0]', '[-17.0,0.0]') WHERE id = 1");
    RecordStore store = RecordStore::open(f.string(), quick_options());
    const auto p = problems_text(store.verify());
    CHECK_MESSAGE(p.find("cases row id 1: stored case content no longer matches its content hash") != std::string::npos, p);
  }
  SUBCASE("the case's hash rewritten to match edited content") {
    const fs::path f = tampered("UPDATE cases SET case_json = replace(case_json, '[-15.0,0.0]', '[-17.0,0.0]'), content_hash = '00' WHERE id = 1");
    RecordStore store = RecordStore::open(f.string(), quick_options());
    const auto p = problems_text(store.verify());
    CHECK_MESSAGE(p.find("cases row id 1 differs from its audit record") != std::string::npos, p);
    CHECK_MESSAGE(p.find("case_approvals row id 1: approves cases row id 1 for content hash") != std::string::npos, p);
  }
  SUBCASE("a case approval deleted") {
    RecordStore store = RecordStore::open(tampered("DELETE FROM case_approvals").string(), quick_options());
    const auto p = problems_text(store.verify());
    CHECK_MESSAGE(p.find("case_approvals row id 1 recorded in audit entry") != std::string::npos, p);
  }
  SUBCASE("a plan's case reference moved") {
    RecordStore store = RecordStore::open(tampered("UPDATE plans SET case_ref = 2").string(), quick_options());
    const auto p = problems_text(store.verify());
    CHECK_MESSAGE(p.find("plans row id 1 differs from its audit record") != std::string::npos, p);
    CHECK_MESSAGE(p.find("case_ref is 2, audit record 1") != std::string::npos, p);
  }
}
