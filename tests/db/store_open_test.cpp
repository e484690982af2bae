// Opening and creating stores: malformed and foreign files are refused and left untouched
// (issue 6), and every earlier schema version migrates (fixture data/store_v1.sql).
#include <doctest/doctest.h>

#include <sqlite3.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "db/record_store.hpp"
#include "db/schema.hpp"
#include "db_test_support.hpp"

using namespace hdr::db;
using namespace hdr::db::test;
namespace fs = std::filesystem;

namespace {

std::string bytes_of(const fs::path& f) {
  std::ifstream in(f, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_bytes(const fs::path& f, const std::string& s) {
  std::ofstream out(f, std::ios::binary);
  out << s;
}

// Opening must fail with `message` and leave the file byte-for-byte as it was, with no
// side files (-wal, -shm, -journal) created next to it.
void check_refused_untouched(const fs::path& f, const std::string& message) {
  const std::string before = bytes_of(f);
  CHECK_THROWS_WITH_AS(RecordStore::open(f.string(), quick_options()), doctest::Contains(message.c_str()), hdr::Error);
  CHECK(bytes_of(f) == before);
  for (const char* suffix : {"-wal", "-shm", "-journal"}) CHECK_FALSE(fs::exists(f.string() + suffix));
}

}  // namespace

TEST_CASE("malformed and foreign files are refused and not overwritten") {
  const auto dir = scratch_dir("refuse");
  SUBCASE("missing file: refused, nothing created") {
    CHECK_THROWS_WITH_AS(RecordStore::open((dir / "none.db").string(), quick_options()), doctest::Contains("no such record store"), hdr::Error);
    CHECK_FALSE(fs::exists(dir / "none.db"));
  }
  SUBCASE("a text file") {
    write_bytes(dir / "notes.db", "patient list\nsmith, jones\n");
    check_refused_untouched(dir / "notes.db", "not an SQLite database");
  }
  SUBCASE("an empty file") {
    write_bytes(dir / "empty.db", "");
    check_refused_untouched(dir / "empty.db", "not a record store");
  }
  SUBCASE("another application's SQLite database") {
    exec_sql(dir / "other.db", "CREATE TABLE t(x); INSERT INTO t VALUES(1)");  // sqlite creates it
    check_refused_untouched(dir / "other.db", "not an hdr record store (SQLite application_id 0x00000000");
  }
  SUBCASE("a store of a newer schema version") {
    { new_store(dir / "new.db"); }
    exec_sql(dir / "new.db", "PRAGMA user_version = 99");
    check_refused_untouched(dir / "new.db", "schema version 99 is not one this program knows (1..2)");
  }
  SUBCASE("a store of the next schema version (3)") {
    { new_store(dir / "v3.db"); }
    exec_sql(dir / "v3.db", "PRAGMA user_version = " + std::to_string(kSchemaVersion + 1));
    check_refused_untouched(dir / "v3.db", "schema version 3 is not one this program knows (1..2); refusing to touch it");
  }
  SUBCASE("create refuses an existing file of any kind") {
    write_bytes(dir / "x.db", "precious");
    CHECK_THROWS_WITH_AS(RecordStore::create((dir / "x.db").string(), "alice", "pw", quick_options()), doctest::Contains("already exists"), hdr::Error);
    CHECK(bytes_of(dir / "x.db") == "precious");
    { new_store(dir / "y.db"); }
    const std::string before = bytes_of(dir / "y.db");
    CHECK_THROWS_AS(new_store(dir / "y.db"), hdr::Error);
    CHECK(bytes_of(dir / "y.db") == before);
  }
  SUBCASE("options are validated, naming field, value and rule") {
    StoreOptions o = quick_options();
    o.pwhash_opslimit = 0;
    CHECK(o.validate().find("StoreOptions::pwhash_opslimit = 0") == 0);
    CHECK_THROWS_AS(RecordStore::create((dir / "z.db").string(), "alice", "pw", o), hdr::Error);
    CHECK_FALSE(fs::exists(dir / "z.db"));
  }
}

TEST_CASE("a new store has our application id, the current schema, WAL and foreign keys") {
  const auto dir = scratch_dir("fresh");
  RecordStore store = new_store(dir / "r.db");
  CHECK(store.schema_version() == kSchemaVersion);
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2((dir / "r.db").string().c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  const auto pragma = [&](const char* sql) {
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    const std::string v = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return v;
  };
  CHECK(pragma("PRAGMA application_id") == std::to_string(kApplicationId));
  CHECK(pragma("PRAGMA user_version") == std::to_string(kSchemaVersion));
  CHECK(pragma("PRAGMA journal_mode") == "wal");
  sqlite3_close(db);
}

namespace {

fs::path load_v1_fixture(const fs::path& file) {
  const std::string sql = bytes_of(fs::path(HDR_SOURCE_DIR) / "tests/db/data/store_v1.sql");
  REQUIRE(sql.find("PRAGMA user_version=1;") != std::string::npos);
  exec_sql(file, sql);
  REQUIRE(sql_value(file, "PRAGMA user_version") == "1");
  return file;
}

std::string problems_of(const VerifyReport& r) {
  std::string s;
  for (const auto& p : r.problems) s += p + "\n";
  return s;
}

}  // namespace

// Migration from every earlier schema version: each version's fixture is a SQL dump of a
// populated store made by that version (users alice/paula/phil/tom with passwords
// "<name>-pw", patient P1 with an approved plan, a calibration, an interrupted session).
TEST_CASE("migration: a version 1 store opens, migrates to version 2 and verifies; its old audit chain still holds") {
  REQUIRE(kSchemaVersion == 2);
  const auto dir = scratch_dir("migrate");
  const fs::path file = load_v1_fixture(dir / "v1.db");
  const std::string v1_entries = sql_value(file, "SELECT COUNT(*) FROM audit_log");
  const std::string v1_head = sql_value(file, "SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1");
  REQUIRE(v1_entries == "16");
  RecordStore store = RecordStore::open(file.string(), quick_options());
  CHECK(store.schema_version() == 2);
  CHECK(sql_value(file, "PRAGMA user_version") == "2");
  // Version 2's tables and columns are there; the version-1 audit entries are untouched and
  // nothing was added to them (the plans row's new case_ref is NULL, which they need not name).
  for (const char* table : {"login_sessions", "failed_logins", "case_approvals"})
    CHECK(sql_value(file, std::string("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '") + table + "'") == "1");
  CHECK(sql_value(file, "SELECT COUNT(*) FROM pragma_table_info('plans') WHERE name = 'case_ref'") == "1");
  CHECK(sql_value(file, "SELECT COUNT(*) FROM pragma_table_info('cases') WHERE name IN ('content_hash', 'stored_by')") == "2");
  CHECK(sql_value(file, "SELECT COUNT(*) FROM audit_log WHERE login_session IS NULL") == "16");
  CHECK(sql_value(file, "SELECT COUNT(*) FROM audit_log") == "16");
  CHECK(sql_value(file, "SELECT hash FROM audit_log WHERE seq = 16") == v1_head);
  CHECK(sql_value(file, "SELECT case_ref IS NULL FROM plans WHERE id = 1") == "1");
  CHECK(sql_value(file, "SELECT COUNT(*) FROM store_info WHERE key = 'migrated_to_v2_at'") == "1");
  const auto report = store.verify();
  CHECK_MESSAGE(report.ok(), problems_of(report));
  CHECK(report.audit_entries == 16);
  // The old records read back as before.
  CHECK(store.authenticate("paula", "paula-pw").role == Role::physician);
  CHECK(store.plan_delivery_status(1).deliverable());
  CHECK(store.plan(1).plan.dwells.size() == 6);
  CHECK_FALSE(store.plan(1).case_ref.has_value());
  CHECK(store.delivered_totals(1).at(1).delivered_s == doctest::Approx(4.5));
  CHECK(store.accepted_calibration("mHDR-v2", "D36A-1234").has_value());
  // The migrated store takes new records of every kind and still verifies.
  const Actor tom = store.authenticate("tom", "tom-pw");
  CHECK(tom.login_session_id > 0);
  CHECK(store.sessions_for_plan(1).at(0).status == SessionStatus::interrupted);
  store.set_session_status(tom, 1, SessionStatus::completed, hdr::utc_now());
  CHECK(sql_value(file, "SELECT login_session FROM audit_log ORDER BY seq DESC LIMIT 1") == std::to_string(tom.login_session_id));
  store.logout(tom);
  CHECK_THROWS_AS(store.authenticate("tom", "wrong"), hdr::Error);
  const Actor paula = store.authenticate("paula", "paula-pw");
  hdr::formats::Case c;
  c.id = "case-07";
  c.source = {"mHDR-v2", 40700.0, std::nullopt};
  c.prescription = {15.0, 1};
  c.structures = {{"prostate", hdr::formats::StructureKind::target, {{20.0, {{-15.0, 0.0}, {15.0, 0.0}, {0.0, 25.0}}}}}};
  const Id case_ref = store.store_case(paula, "P1", c);
  store.approve_case(paula, case_ref);
  const Id plan = store.import_plan(paula, "P1", small_plan(), case_ref);
  CHECK(store.plan(plan).case_ref == case_ref);
  const auto after = store.verify();
  CHECK_MESSAGE(after.ok(), problems_of(after));
  // Opening the migrated store again changes nothing.
  {
    RecordStore again = RecordStore::open(file.string(), quick_options());
    CHECK(again.schema_version() == 2);
  }
  CHECK(sql_value(file, "SELECT COUNT(*) FROM store_info WHERE key = 'migrated_to_v2_at'") == "1");
  CHECK(sql_value(file, "SELECT hash FROM audit_log WHERE seq = 16") == v1_head);
}

TEST_CASE("migration: version-1 audit entries are still checked after the migration") {
  const auto dir = scratch_dir("migrate-tamper");
  const fs::path file = load_v1_fixture(dir / "v1.db");
  { RecordStore::open(file.string(), quick_options()); }
  SUBCASE("a version-1 entry edited") {
    exec_sql(file, "UPDATE audit_log SET user_name = 'mallory' WHERE seq = 3");
    RecordStore store = RecordStore::open(file.string(), quick_options());
    const auto p = problems_of(store.verify());
    CHECK_MESSAGE(p.find("audit_log entry seq 3") != std::string::npos, p);
    CHECK_MESSAGE(p.find("hash does not match its content (entry edited)") != std::string::npos, p);
  }
  SUBCASE("a version-1 entry given a login session") {
    exec_sql(file, "INSERT INTO login_sessions(id, user, started_at) VALUES(1, 2, '2026-11-27T04:35:00.000Z'); "
                   "UPDATE audit_log SET login_session = 1 WHERE seq = 7");
    RecordStore store = RecordStore::open(file.string(), quick_options());
    const auto p = problems_of(store.verify());
    CHECK_MESSAGE(p.find("audit_log entry seq 7") != std::string::npos, p);
    CHECK_MESSAGE(p.find("login_sessions row id 1 has no audit record") != std::string::npos, p);
  }
  SUBCASE("a migrated plan given a case reference behind the store's back") {
    exec_sql(file, "UPDATE plans SET case_ref = 5 WHERE id = 1");
    RecordStore store = RecordStore::open(file.string(), quick_options());
    const auto p = problems_of(store.verify());
    CHECK_MESSAGE(p.find("plans row id 1 differs from its audit record (seq") != std::string::npos, p);
    CHECK_MESSAGE(p.find("case_ref added") != std::string::npos, p);
  }
}

TEST_CASE("migration: a row tampered with before the migration is still named after it") {
  const auto dir = scratch_dir("migrate-pretampered");
  const fs::path file = load_v1_fixture(dir / "v1.db");
  exec_sql(file, "UPDATE plans SET imported_at = '2026-11-01T00:00:00.000Z' WHERE id = 1");
  RecordStore store = RecordStore::open(file.string(), quick_options());
  REQUIRE(store.schema_version() == 2);
  const auto p = problems_of(store.verify());
  CHECK_MESSAGE(p.find("plans row id 1 differs from its audit record") != std::string::npos, p);
  CHECK_MESSAGE(p.find("imported_at is \"2026-11-01T00:00:00.000Z\"") != std::string::npos, p);
}

TEST_CASE("migration: a version-1 store whose unused cases table holds rows is refused and left at version 1") {
  const auto dir = scratch_dir("migrate-cases");
  const fs::path file = load_v1_fixture(dir / "v1.db");
  exec_sql(file, "INSERT INTO cases(patient, case_id, case_json, created_at) VALUES(1, 'x', '{}', '2026-11-27T04:35:00.000Z')");
  CHECK_THROWS_WITH_AS(RecordStore::open(file.string(), quick_options()),
                       doctest::Contains("cannot migrate to schema version 2: its cases table holds 1 rows"), hdr::Error);
  CHECK(sql_value(file, "PRAGMA user_version") == "1");
  CHECK(sql_value(file, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'login_sessions'") == "0");
  CHECK(sql_value(file, "SELECT COUNT(*) FROM cases") == "1");
  CHECK(sql_value(file, "SELECT COUNT(*) FROM audit_log") == "16");
}

// The version-2 fixture, made by this version's generator below: the current code must open
// and verify it as it is. It pins version 2's audit hash format (an entry with a login session
// hashes it) and is the starting point of the next version's migration test.
TEST_CASE("fixture: a version 2 store (tests/db/data/store_v2.sql) opens and verifies") {
  const auto dir = scratch_dir("fixture-v2");
  const fs::path file = dir / "v2.db";
  const std::string sql = bytes_of(fs::path(HDR_SOURCE_DIR) / "tests/db/data/store_v2.sql");
  REQUIRE(sql.find("PRAGMA user_version=2;") != std::string::npos);
  exec_sql(file, sql);
  const std::string entries = sql_value(file, "SELECT COUNT(*) FROM audit_log");
  RecordStore store = RecordStore::open(file.string(), quick_options());
  CHECK(store.schema_version() == 2);
  const auto report = store.verify();
  CHECK_MESSAGE(report.ok(), problems_of(report));
  CHECK(std::to_string(report.audit_entries) == entries);
  CHECK(sql_value(file, "SELECT COUNT(*) FROM audit_log WHERE login_session IS NOT NULL") != "0");
  CHECK(sql_value(file, "SELECT COUNT(*) FROM failed_logins") == "1");
  const StoredCase sc = store.case_record(1);
  REQUIRE(sc.approval.has_value());
  CHECK(sc.approval->user == "paula");
  CHECK(sc.recomputed_hash == sc.content_hash);
  CHECK(store.plan(2).case_ref == Id{1});
  CHECK(store.plan_delivery_status(1).deliverable());
  for (const char* user : {"alice", "paula", "phil", "tom"})
    for (const auto& s : store.login_sessions(user)) CHECK(s.ended_how == LoginEnd::logout);
  // And it takes new writes.
  const Actor paula = store.authenticate("paula", "paula-pw");
  store.approve(paula, 2);
  CHECK(store.verify().ok());
}

// Not run by default: writes the fixture of the current schema version (run once per
// version, dump it with `sqlite3 FILE .dump`, add the application_id and user_version pragmas
// at the top, and commit it as tests/db/data/store_v<N>.sql).
TEST_CASE("generate the schema fixture" * doctest::skip()) {
  const auto dir = scratch_dir("fixture");
  const fs::path file = dir / "fixture.db";
  {
    RecordStore store = new_store(file);
    const Team t = make_team(store);
    add_treatment_history(store, t);
    // Version 2: a failed login, a case approved by the physician, a plan made from it, and
    // every login session ended.
    CHECK_THROWS_AS(store.authenticate("tom", "not-toms"), hdr::Error);
    const Id case_ref = store.store_case(t.physician, "P1", small_case());
    store.approve_case(t.physician, case_ref);
    store.import_plan(t.physician, "P1", small_plan(), case_ref);
    for (const Actor* a : {&t.admin, &t.physician, &t.physicist, &t.therapist}) store.logout(*a);
    REQUIRE(store.verify().ok());
  }
  MESSAGE("fixture written to " << file.string());
}
