// Role rules, passwords and plan immutability of the record store (issue 6, "access tests").
#include <doctest/doctest.h>

#include "db/record_store.hpp"
#include "db_test_support.hpp"
#include "planner/common/error.hpp"
#include "planner/formats/plan_io.hpp"

#include <cmath>

using namespace hdr::db;
using namespace hdr::db::test;

TEST_CASE("authentication: right password gives the user's actor, wrong password or user is refused") {
  const auto dir = scratch_dir("auth");
  RecordStore store = new_store(dir / "r.db");
  const Actor admin = store.authenticate("alice", "alice-pw");
  CHECK(admin.name == "alice");
  CHECK(admin.role == Role::admin);
  CHECK_THROWS_WITH_AS(store.authenticate("alice", "wrong"), doctest::Contains("authentication failed for user 'alice'"), hdr::Error);
  CHECK_THROWS_WITH_AS(store.authenticate("alice", "alice-pw "), doctest::Contains("authentication failed"), hdr::Error);
  CHECK_THROWS_WITH_AS(store.authenticate("nobody", "alice-pw"), doctest::Contains("authentication failed for user 'nobody'"), hdr::Error);
  // The password is stored as an Argon2id string, never in clear.
  CHECK(store.verify().ok());
}

TEST_CASE("only an admin adds users; names are unique; roles are the four known ones") {
  const auto dir = scratch_dir("users");
  RecordStore store = new_store(dir / "r.db");
  const Team t = make_team(store);
  for (const Actor* a : {&t.physician, &t.physicist, &t.therapist})
    CHECK_THROWS_WITH_AS(store.add_user(*a, "eve", Role::admin, "x"), doctest::Contains("only admin may add users"), hdr::Error);
  CHECK_THROWS_WITH_AS(store.add_user(t.admin, "tom", Role::physician, "x"), doctest::Contains("already exists"), hdr::Error);
  CHECK_THROWS_AS(role_from_string("nurse"), hdr::Error);
  CHECK(store.users().size() == 4);
  // A forged actor (right id, claimed admin role) is refused.
  Actor forged = t.therapist;
  forged.role = Role::admin;
  CHECK_THROWS_WITH_AS(store.add_user(forged, "eve", Role::admin, "x"), doctest::Contains("not an authenticated user"), hdr::Error);
  CHECK(store.users().size() == 4);
}

TEST_CASE("plans: physician or physicist imports; both approvals are needed; other roles refused") {
  const auto dir = scratch_dir("approve");
  RecordStore store = new_store(dir / "r.db");
  const Team t = make_team(store);
  CHECK_THROWS_WITH_AS(store.import_plan(t.therapist, "P1", small_plan()), doctest::Contains("only physician or physicist may import"), hdr::Error);
  CHECK_THROWS_AS(store.import_plan(t.admin, "P1", small_plan()), hdr::Error);
  const Id id = store.import_plan(t.physicist, "P1", small_plan());
  CHECK(store.plan(id).plan.dwells.size() == 6);
  CHECK(store.plan(id).content_hash == plan_content_hash(small_plan()));

  CHECK_THROWS_WITH_AS(store.approve(t.therapist, id), doctest::Contains("only physician or physicist may approve"), hdr::Error);
  CHECK_THROWS_AS(store.approve(t.admin, id), hdr::Error);
  CHECK_FALSE(store.plan_delivery_status(id).deliverable());

  store.approve(t.physician, id);
  auto s = store.plan_delivery_status(id);
  CHECK(s.physician_approved);
  CHECK_FALSE(s.physicist_approved);
  CHECK_FALSE(s.deliverable());
  // A delivery cannot start on a half-approved plan.
  SessionStart start{id, "mHDR-v2", "D36A-1234", 40000.0, hdr::utc_now(), std::nullopt, 1, {}};
  CHECK_THROWS_WITH_AS(store.begin_session(t.therapist, start), doctest::Contains("no valid physicist's approval"), hdr::Error);
  CHECK_THROWS_WITH_AS(store.approve(t.physician, id), doctest::Contains("already has a physician's approval"), hdr::Error);

  store.approve(t.physicist, id);
  CHECK(store.plan_delivery_status(id).deliverable());
  CHECK(store.approvals(id).size() == 2);
  // Only therapist or physicist deliver.
  CHECK_THROWS_WITH_AS(store.begin_session(t.physician, start), doctest::Contains("only therapist or physicist may deliver"), hdr::Error);
  CHECK_THROWS_AS(store.begin_session(t.admin, start), hdr::Error);
  CHECK(store.begin_session(t.therapist, start) > 0);
  CHECK(store.begin_session(t.physicist, start) > 0);
  CHECK(store.verify().ok());
}

TEST_CASE("re-import creates a new plan without approvals; the old plan and its approvals stay") {
  const auto dir = scratch_dir("reimport");
  RecordStore store = new_store(dir / "r.db");
  const Team t = make_team(store);
  const Id a = store.import_plan(t.physician, "P1", small_plan());
  store.approve(t.physician, a);
  store.approve(t.physicist, a);
  const Id b = store.import_plan(t.physician, "P1", small_plan(3.3));
  CHECK(b != a);
  CHECK(store.approvals(b).empty());
  CHECK_FALSE(store.plan_delivery_status(b).deliverable());
  CHECK(store.plan_delivery_status(a).deliverable());
  CHECK(store.plans_for_patient("P1") == std::vector<Id>{a, b});
  CHECK(store.plan(b).plan.dwells[0].time_s == doctest::Approx(3.3));
}

TEST_CASE("a plan edited behind the store's back after approval is not deliverable and cannot be approved") {
  const auto dir = scratch_dir("edited");
  const auto file = dir / "r.db";
  Id id = 0;
  {
    RecordStore store = new_store(file);
    const Team t = make_team(store);
    id = store.import_plan(t.physician, "P1", small_plan());
    store.approve(t.physician, id);
  }
  // Edit one dwell time with another SQLite connection, as a tamperer or a buggy tool would.
  exec_sql(file, "UPDATE plan_dwells SET time_s = 9.9 WHERE plan = " + std::to_string(id) + " AND dwell_index = 0");
  RecordStore store = RecordStore::open(file.string(), quick_options());
  const Actor phil = store.authenticate("phil", "phil-pw");
  const auto s = store.plan_delivery_status(id);
  CHECK_FALSE(s.content_unchanged);
  CHECK_FALSE(s.physician_approved);  // the approval was given to the old content: void
  CHECK_FALSE(s.deliverable());
  CHECK_THROWS_WITH_AS(store.approve(phil, id), doctest::Contains("changed after import"), hdr::Error);
  SessionStart start{id, "mHDR-v2", "D36A-1234", 40000.0, hdr::utc_now(), std::nullopt, 1, {}};
  CHECK_THROWS_WITH_AS(store.begin_session(phil, start), doctest::Contains("changed after import"), hdr::Error);
  const auto report = store.verify();
  CHECK_FALSE(report.ok());
}

TEST_CASE("calibrations: physicist only; warn needs a reason to accept; fail cannot be accepted; new source added") {
  const auto dir = scratch_dir("calib");
  RecordStore store = new_store(dir / "r.db");
  const Team t = make_team(store);
  for (const Actor* a : {&t.admin, &t.physician, &t.therapist})
    CHECK_THROWS_WITH_AS(store.record_calibration(*a, calibration(), true, ""), doctest::Contains("only physicist may record"), hdr::Error);
  CHECK(store.sources().empty());
  CHECK_FALSE(store.accepted_calibration("mHDR-v2", "D36A-1234").has_value());

  CHECK_THROWS_WITH_AS(store.record_calibration(t.physicist, calibration("warn", 43200.0), true, ""), doctest::Contains("needs --reason"), hdr::Error);
  CHECK_THROWS_WITH_AS(store.record_calibration(t.physicist, calibration("fail", 45000.0), true, "because"), doctest::Contains("cannot be accepted"), hdr::Error);
  CHECK(store.sources().empty());  // refused writes leave nothing behind

  // A fail may be recorded (not accepted) for the record.
  store.record_calibration(t.physicist, calibration("fail", 45000.0), false, "");
  CHECK(store.sources().size() == 1);
  CHECK_FALSE(store.accepted_calibration("mHDR-v2", "D36A-1234").has_value());

  const auto rec = store.record_calibration(t.physicist, calibration("warn", 43200.0), true, "chamber recalibrated, within clinic tolerance");
  CHECK(rec.accepted);
  const auto acc = store.accepted_calibration("mHDR-v2", "D36A-1234");
  REQUIRE(acc.has_value());
  CHECK(acc->S_K_U == doctest::Approx(43200.0));
  CHECK(acc->accepted_by == "phil");
  CHECK(acc->half_life_days == doctest::Approx(73.827));
  CHECK(hdr::format_iso8601_utc(acc->reference_time) == "2026-11-27T08:15:00Z");
  // The latest accepted calibration wins.
  store.record_calibration(t.physicist, calibration("pass", 41948.9), true, "");
  CHECK(store.accepted_calibration("mHDR-v2", "D36A-1234")->S_K_U == doctest::Approx(41948.9));
  CHECK_FALSE(store.accepted_calibration("mHDR-v2", "OTHER").has_value());
  CHECK(store.calibrations("mHDR-v2", "D36A-1234").size() == 3);
  CHECK(store.verify().ok());
}

TEST_CASE("delivery sessions: progress, interruptions, status lifecycle and totals over sessions") {
  const auto dir = scratch_dir("sessions");
  RecordStore store = new_store(dir / "r.db");
  const Team t = make_team(store);
  const hdr::formats::Plan plan = small_plan();
  const Id id = store.import_plan(t.physician, "P1", plan);
  store.approve(t.physician, id);
  store.approve(t.physicist, id);
  const auto t0 = hdr::parse_iso8601("2026-11-27T10:00:00Z", "t");
  SessionStart start{id, "mHDR-v2", "D36A-1234", 40000.0, t0, t0, 1, {{0, 3.3}, {1, 4.6}}};
  const Id s1 = store.begin_session(t.therapist, start);
  const auto progress = [&](int i, double planned, double delivered) {
    return DwellProgress{i, plan.dwells[static_cast<size_t>(i)].catheter, plan.dwells[static_cast<size_t>(i)].position_mm, planned, delivered};
  };
  store.record_dwell_progress(t.therapist, s1, progress(0, 3.3, 3.3));
  store.record_dwell_progress(t.therapist, s1, progress(1, 4.6, 2.0));
  // Delivered time never decreases; wrong catheter/position or index is refused.
  CHECK_THROWS_WITH_AS(store.record_dwell_progress(t.therapist, s1, progress(1, 4.6, 1.0)), doctest::Contains("never decreases"), hdr::Error);
  DwellProgress wrong = progress(3, 2.1, 1.0);
  wrong.catheter = 1;
  CHECK_THROWS_WITH_AS(store.record_dwell_progress(t.therapist, s1, wrong), doctest::Contains("do not match"), hdr::Error);
  CHECK_THROWS_AS(store.record_dwell_progress(t.therapist, s1, DwellProgress{6, 2, {}, 1.0, 1.0}), hdr::Error);
  CHECK_THROWS_AS(store.record_dwell_progress(t.physician, s1, progress(1, 4.6, 3.0)), hdr::Error);
  CHECK_THROWS_AS(store.record_dwell_progress(t.therapist, s1, progress(1, 4.6, std::nan(""))), hdr::Error);

  store.add_interruption(t.therapist, s1, hdr::parse_iso8601("2026-11-27T10:01:00Z", "t"), "door opened");
  CHECK_THROWS_WITH_AS(store.set_session_status(t.therapist, s1, SessionStatus::interrupted, std::nullopt), doctest::Contains("needs an end time"), hdr::Error);
  store.set_session_status(t.therapist, s1, SessionStatus::interrupted, hdr::parse_iso8601("2026-11-27T10:01:01Z", "t"));
  CHECK_THROWS_WITH_AS(store.record_dwell_progress(t.therapist, s1, progress(1, 4.6, 3.0)), doctest::Contains("not in_progress"), hdr::Error);

  const Id s2 = store.begin_session(t.therapist, start);
  store.record_dwell_progress(t.therapist, s2, progress(1, 2.6, 2.6));
  store.record_dwell_progress(t.therapist, s2, progress(3, 2.1, 2.1));
  store.set_session_status(t.therapist, s2, SessionStatus::completed, hdr::parse_iso8601("2026-11-27T10:05:00Z", "t"));
  CHECK_THROWS_WITH_AS(store.set_session_status(t.therapist, s2, SessionStatus::in_progress, std::nullopt), doctest::Contains("may not change from completed"), hdr::Error);

  const auto sessions = store.sessions_for_plan(id);
  REQUIRE(sessions.size() == 2);
  CHECK(sessions[0].status == SessionStatus::interrupted);
  REQUIRE(sessions[0].interruptions.size() == 1);
  CHECK(sessions[0].interruptions[0].reason == "door opened");
  REQUIRE(sessions[0].dwells.size() == 2);
  CHECK(sessions[0].dwells[1].planned_s == doctest::Approx(4.6));
  CHECK(sessions[0].dwells[1].delivered_s == doctest::Approx(2.0));
  CHECK(sessions[0].machine_clock.has_value());
  CHECK(sessions[1].status == SessionStatus::completed);
  CHECK(sessions[1].dwells.size() == 3);  // program {0, 1} plus dwell 3 reported

  const auto totals = store.delivered_totals(id);
  REQUIRE(totals.size() == 6);
  CHECK(totals[0].delivered_s == doctest::Approx(3.3));
  CHECK(totals[1].delivered_s == doctest::Approx(4.6));  // 2.0 + 2.6 over two sessions
  CHECK(totals[2].delivered_s == doctest::Approx(0.0));
  CHECK(totals[3].delivered_s == doctest::Approx(2.1));
  CHECK(totals[4].catheter == 2);
  CHECK(totals[4].plan_time_s == doctest::Approx(6.0));

  // A refused delivery is recorded as such, with its reason.
  const Id r = store.record_refusal(t.therapist, start, t0, "machine strength differs by 3 %");
  CHECK(store.session(r).status == SessionStatus::refused);
  CHECK(store.session(r).interruptions.at(0).reason == "machine strength differs by 3 %");
  CHECK(store.verify().ok());
}
