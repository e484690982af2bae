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
    check_refused_untouched(dir / "new.db", "schema version 99 is not one this program knows");
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

// Migration from every earlier schema version: each version's fixture is a SQL dump of a
// populated store made by that version (users alice/paula/phil/tom with passwords
// "<name>-pw", patient P1 with an approved plan, a calibration, an interrupted session).
TEST_CASE("migration: a version 1 store opens, migrates to the current version and verifies") {
  const auto dir = scratch_dir("migrate");
  const fs::path file = dir / "v1.db";
  const std::string sql = bytes_of(fs::path(HDR_SOURCE_DIR) / "tests/db/data/store_v1.sql");
  REQUIRE(sql.find("PRAGMA user_version=1;") != std::string::npos);
  exec_sql(file, sql);
  RecordStore store = RecordStore::open(file.string(), quick_options());
  CHECK(store.schema_version() == kSchemaVersion);
  const auto report = store.verify();
  CHECK(report.ok());
  CHECK(store.authenticate("paula", "paula-pw").role == Role::physician);
  CHECK(store.plan_delivery_status(1).deliverable());
  CHECK(store.plan(1).plan.dwells.size() == 6);
  CHECK(store.delivered_totals(1).at(1).delivered_s == doctest::Approx(4.5));
  CHECK(store.accepted_calibration("mHDR-v2", "D36A-1234").has_value());
  // The migrated store takes new records and still verifies.
  const Actor tom = store.authenticate("tom", "tom-pw");
  CHECK(store.sessions_for_plan(1).at(0).status == SessionStatus::interrupted);
  store.set_session_status(tom, 1, SessionStatus::completed, hdr::utc_now());
  CHECK(store.verify().ok());
}

// Not run by default: writes the fixture of the current schema version (run once per
// version, then commit it as tests/db/data/store_v<N>.sql).
TEST_CASE("generate the schema fixture" * doctest::skip()) {
  const auto dir = scratch_dir("fixture");
  const fs::path file = dir / "fixture.db";
  {
    RecordStore store = new_store(file);
    const Team t = make_team(store);
    const auto plan = small_plan();
    const Id id = store.import_plan(t.physician, "P1", plan);
    store.approve(t.physician, id);
    store.approve(t.physicist, id);
    store.record_calibration(t.physicist, calibration(), true, "");
    const auto t0 = hdr::parse_iso8601("2026-11-27T10:00:00Z", "t");
    const Id s = store.begin_session(t.therapist, SessionStart{id, "mHDR-v2", "D36A-1234", 41000.0, t0, std::nullopt, 1, {}});
    for (int i = 0; i < 3; ++i)
      store.record_dwell_progress(t.therapist, s, DwellProgress{i, plan.dwells[static_cast<size_t>(i)].catheter,
                                                                plan.dwells[static_cast<size_t>(i)].position_mm,
                                                                plan.dwells[static_cast<size_t>(i)].time_s, plan.dwells[static_cast<size_t>(i)].time_s});
    store.add_interruption(t.therapist, s, t0, "door opened");
    store.set_session_status(t.therapist, s, SessionStatus::interrupted, t0);
  }
  MESSAGE("fixture written to " << file.string());
}
