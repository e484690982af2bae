// Tampering behind the store's back with the sqlite3 C API (issue 6, "tamper tests"): every
// edit, deletion, insertion or reordering makes verify() fail and name what is wrong; a
// consistent backup copy verifies on its own.
#include <doctest/doctest.h>

#include <filesystem>

#include "db/record_store.hpp"
#include "db_test_support.hpp"

using namespace hdr::db;
using namespace hdr::db::test;
namespace fs = std::filesystem;

namespace {

// A store with something of everything: users, an approved plan, a calibration, a session with
// progress and an interruption. Closed on return (WAL checkpointed into the main file).
fs::path populated_store(const fs::path& dir) {
  const fs::path file = dir / "golden.db";
  RecordStore store = new_store(file);
  const Team t = make_team(store);
  add_treatment_history(store, t);
  REQUIRE(store.verify().ok());
  return file;
}

// verify()'s findings on a copy of the golden store tampered with by `sql` (which must fail).
std::string tamper(const fs::path& golden, const std::string& sql) {
  const VerifyReport r = verify_tampered_copy(golden, sql);
  CHECK_FALSE(r.ok());
  return problems_text(r);
}

}  // namespace

TEST_CASE("verify names every kind of tampering") {
  const auto dir = scratch_dir("tamper");
  const fs::path golden = populated_store(dir);

  SUBCASE("a dwell time edited") {
    const auto p = tamper(golden, "UPDATE plan_dwells SET time_s = 9.9 WHERE dwell_index = 1");
    CHECK(p.find("plans row id 1 differs from its audit record") != std::string::npos);
    CHECK(p.find("dwells[1].time_s is 9.9, audit record 4.5") != std::string::npos);
    CHECK(p.find("no longer matches its content hash") != std::string::npos);
  }
  SUBCASE("a dwell deleted from a plan") {
    const auto p = tamper(golden, "DELETE FROM plan_dwells WHERE dwell_index = 5");
    CHECK(p.find("plans row id 1 differs") != std::string::npos);
  }
  SUBCASE("a delivered time edited") {
    const auto p = tamper(golden, "UPDATE session_dwells SET delivered_s = 1.0 WHERE dwell_index = 0");
    CHECK(p.find("session_dwells row id 1 differs from its audit record") != std::string::npos);
    CHECK(p.find("delivered_s is 1.0, audit record 3.2") != std::string::npos);
  }
  SUBCASE("an approval deleted") {
    const auto p = tamper(golden, "DELETE FROM approvals WHERE role = 'physicist'");
    CHECK(p.find("approvals row id 2 recorded in audit entry") != std::string::npos);
    CHECK(p.find("is missing (deleted") != std::string::npos);
  }
  SUBCASE("an approval inserted") {
    const auto p = tamper(golden, "DELETE FROM approvals WHERE role = 'physicist'; "
                                  "INSERT INTO approvals(id, plan, user, role, approved_at, plan_hash) "
                                  "SELECT 7, plan, 3, 'physicist', approved_at, plan_hash FROM approvals WHERE id = 1");
    CHECK(p.find("approvals row id 7 has no audit record") != std::string::npos);
  }
  SUBCASE("a calibration's strength edited") {
    const auto p = tamper(golden, "UPDATE calibrations SET S_K_U = 45000.0");
    CHECK(p.find("calibrations row id 1 differs") != std::string::npos);
    CHECK(p.find("S_K_U is 45000.0") != std::string::npos);
  }
  SUBCASE("a user's role raised") {
    const auto p = tamper(golden, "UPDATE users SET role = 'physicist' WHERE name = 'tom'");
    CHECK(p.find("users row id 4 differs") != std::string::npos);
  }
  SUBCASE("a session's status edited") {
    const auto p = tamper(golden, "UPDATE delivery_sessions SET status = 'completed'");
    CHECK(p.find("delivery_sessions row id 1 differs") != std::string::npos);
  }
  SUBCASE("an interruption deleted") {
    const auto p = tamper(golden, "DELETE FROM interruptions");
    CHECK(p.find("interruptions row id 1 recorded in audit entry") != std::string::npos);
  }
  SUBCASE("an audit entry edited") {
    const auto p = tamper(golden, "UPDATE audit_log SET user_name = 'mallory' WHERE seq = 3");
    CHECK(p.find("audit_log entry seq 3") != std::string::npos);
    CHECK(p.find("hash does not match its content (entry edited)") != std::string::npos);
  }
  SUBCASE("an audit entry deleted from the middle") {
    const auto p = tamper(golden, "DELETE FROM audit_log WHERE seq = 5");
    CHECK(p.find("audit_log entry seq 6: expected seq 5") != std::string::npos);
  }
  SUBCASE("the last audit entry deleted") {
    const auto p = tamper(golden, "DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)");
    CHECK(p.find("recorded head is seq") != std::string::npos);
  }
  SUBCASE("two audit entries reordered") {
    const auto p = tamper(golden, "UPDATE audit_log SET seq = -4 WHERE seq = 4; UPDATE audit_log SET seq = 4 WHERE seq = 5; "
                                  "UPDATE audit_log SET seq = 5 WHERE seq = -4");
    CHECK(p.find("audit_log entry seq 4") != std::string::npos);
    CHECK(p.find("prev_hash does not match") != std::string::npos);
  }
  SUBCASE("an audit entry's content rewritten to match an edited row") {
    // The tamperer edits both the row and its audit content: the chain's hash catches it.
    const auto p = tamper(golden,
                          "UPDATE calibrations SET S_K_U = 45000.0; "
                          "UPDATE audit_log SET content = replace(content, '41948.9', '45000.0') WHERE entity = 'calibrations'");
    CHECK(p.find("hash does not match its content") != std::string::npos);
  }
}

TEST_CASE("an untouched store and a consistent backup copy of it verify on their own") {
  const auto dir = scratch_dir("backup");
  const fs::path golden = populated_store(dir);
  const fs::path backup = dir / "backup.db";
  {
    RecordStore store = RecordStore::open(golden.string(), quick_options());
    CHECK(store.verify().ok());
    CHECK(store.verify().audit_entries > 10);
  }
  // VACUUM INTO writes a transactionally consistent copy, as a backup tool would.
  exec_sql(golden, "VACUUM INTO '" + backup.string() + "'");
  fs::remove(golden);
  RecordStore copy = RecordStore::open(backup.string(), quick_options());
  const auto r = copy.verify();
  CHECK_MESSAGE(r.ok(), problems_text(r));
  CHECK(copy.delivered_totals(1).at(1).delivered_s == doctest::Approx(4.5));
  CHECK(copy.authenticate("tom", "tom-pw").role == Role::therapist);
}
