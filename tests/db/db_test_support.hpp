#pragma once
// Shared helpers of the db tests: a scratch directory, a small valid plan, quick Argon2id
// options (the library minimum, so that the suites stay fast under ASan) and users of every role.
#include <sqlite3.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "db/record_store.hpp"
#include "planner/common/error.hpp"

namespace hdr::db::test {

inline std::filesystem::path scratch_dir(const std::string& name) {
  std::string tmpl = (std::filesystem::temp_directory_path() / ("hdr-db-" + name + "-XXXXXX")).string();
  if (!::mkdtemp(tmpl.data())) std::abort();
  return tmpl;
}

inline StoreOptions quick_options() {
  StoreOptions o;
  o.pwhash_opslimit = 1;
  o.pwhash_memlimit = 8192;
  return o;
}

// Two catheters of three dwells (one unused), times on the 0.1 s grid.
inline formats::Plan small_plan(double first_time_s = 3.2) {
  formats::Plan p;
  p.case_id = "case-07";
  p.source.model = "mHDR-v2";
  p.source.air_kerma_strength_U = 40700.0;
  p.source.reference_time = "2026-11-27T08:00:00Z";
  p.prescription = {15.0, 1};
  const double times[] = {first_time_s, 4.5, 0.0, 2.1, 6.0, 1.3};
  for (int i = 0; i < 6; ++i) {
    formats::PlanDwell d;
    d.catheter = 1 + i / 3;
    d.position_mm = {i < 3 ? -5.0 : 5.0, 10.0, 20.0 + 5.0 * (i % 3)};
    d.direction = {0.0, 0.0, 1.0};
    d.time_s = times[i];
    p.dwells.push_back(d);
  }
  p.metrics["prostate"]["V100_pct"] = 95.5;
  p.metrics["urethra"]["D10_Gy"] = 16.2;
  p.timing_ms["total"] = 123.0;
  return p;
}

// The case small_plan() was made from: prostate and urethra contours, two catheters, 15 Gy x 1.
inline formats::Case small_case(double dose_Gy = 15.0) {
  formats::Case c;
  c.id = "case-07";
  c.source = {"mHDR-v2", 40700.0, std::string("2026-11-27T08:00:00Z")};
  c.prescription = {dose_Gy, 1};
  formats::Structure prostate{"prostate", formats::StructureKind::target, {}};
  formats::Structure urethra{"urethra", formats::StructureKind::organ_at_risk, {}};
  for (int k = 0; k < 3; ++k) {
    const double z = 20.0 + 5.0 * k;
    prostate.slices.push_back({z, {{-15.0, 0.0}, {15.0, 0.0}, {15.0, 25.0}, {-15.0, 25.0}}});
    urethra.slices.push_back({z, {{-2.0, 12.0}, {2.0, 12.0}, {0.0, 15.0}}});
  }
  c.structures = {prostate, urethra};
  c.catheters = {{1, {{-5.0, 10.0, 20.0}, {-5.0, 10.0, 60.0}}}, {2, {{5.0, 10.0, 20.0}, {5.0, 10.0, 60.0}}}};
  return c;
}

struct Team {
  Actor admin, physician, physicist, therapist;
};

// A store at dir/records.db with one user of each role (passwords "<name>-pw").
inline Team make_team(RecordStore& store) {
  Team t;
  t.admin = store.authenticate("alice", "alice-pw");
  store.add_user(t.admin, "paula", Role::physician, "paula-pw");
  store.add_user(t.admin, "phil", Role::physicist, "phil-pw");
  store.add_user(t.admin, "tom", Role::therapist, "tom-pw");
  t.physician = store.authenticate("paula", "paula-pw");
  t.physicist = store.authenticate("phil", "phil-pw");
  t.therapist = store.authenticate("tom", "tom-pw");
  return t;
}

inline RecordStore new_store(const std::filesystem::path& file) {
  return RecordStore::create(file.string(), "alice", "alice-pw", quick_options());
}

inline CalibrationInput calibration(const std::string& status = "pass", double sk_U = 41948.9) {
  CalibrationInput c;
  c.model = "mHDR-v2";
  c.serial = "D36A-1234";
  c.measured_at = parse_iso8601("2026-11-27T08:15:00Z", "t");
  c.S_K_U = sk_U;
  c.certificate_S_K_U = 44700.0;
  c.certificate_reference_time = parse_iso8601("2026-11-20T12:00:00Z", "t");
  c.certificate_S_K_at_measurement_U = 41918.0;
  c.deviation_pct = 100.0 * (sk_U - 41918.0) / 41918.0;
  c.status = status;
  c.measurement_json = R"({"format":"hdr-calibration/1"})";
  c.result_json = R"({"S_K_U":41948.9})";
  return c;
}

// Something of every record kind in `store`: small_plan() imported for patient P1 and approved
// by both roles, an accepted calibration, and a delivery session with three dwells' progress
// and an interruption (status interrupted). Returns the plan's id.
inline Id add_treatment_history(RecordStore& store, const Team& t) {
  const auto plan = small_plan();
  const Id id = store.import_plan(t.physician, "P1", plan);
  store.approve(t.physician, id);
  store.approve(t.physicist, id);
  store.record_calibration(t.physicist, calibration(), true, "");
  const auto t0 = parse_iso8601("2026-11-27T10:00:00Z", "t");
  const Id s = store.begin_session(t.therapist, SessionStart{id, "mHDR-v2", "D36A-1234", 41000.0, t0, std::nullopt, 1, {}});
  for (size_t i = 0; i < 3; ++i)
    store.record_dwell_progress(t.therapist, s, DwellProgress{static_cast<int>(i), plan.dwells[i].catheter, plan.dwells[i].position_mm, plan.dwells[i].time_s, plan.dwells[i].time_s});
  store.add_interruption(t.therapist, s, t0, "door opened");
  store.set_session_status(t.therapist, s, SessionStatus::interrupted, t0);
  return id;
}

// Runs SQL on the file with the sqlite3 C API directly, behind the record store's back.
inline void exec_sql(const std::filesystem::path& file, const std::string& sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(file.string().c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) std::abort();
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  const std::string msg = err ? err : "";
  sqlite3_free(err);
  sqlite3_close(db);
  if (rc != SQLITE_OK) throw hdr::Error("exec_sql: " + msg + " in " + sql);
}

// One value of SQL on the file through the sqlite3 C API (read-only), as text: "NULL" for a
// null, "(no row)" when there is none.
inline std::string sql_value(const std::filesystem::path& file, const std::string& sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(file.string().c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    throw hdr::Error("sql_value: cannot open " + file.string());
  }
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
    const std::string msg = sqlite3_errmsg(db);
    sqlite3_close(db);
    throw hdr::Error("sql_value: " + msg + " in " + sql);
  }
  std::string v = "(no row)";
  if (sqlite3_step(st) == SQLITE_ROW) {
    const unsigned char* text = sqlite3_column_text(st, 0);
    v = text ? reinterpret_cast<const char*>(text) : "NULL";
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return v;
}

// verify()'s findings, one per line.
inline std::string problems_text(const VerifyReport& r) {
  std::string s;
  for (const auto& p : r.problems) s += p + "\n";
  return s;
}

// Copies the golden store, applies `sql` behind its back and returns verify()'s report.
inline VerifyReport verify_tampered_copy(const std::filesystem::path& golden, const std::string& sql) {
  const std::filesystem::path copy = golden.parent_path() / "tampered.db";
  std::filesystem::remove(copy);
  std::filesystem::copy_file(golden, copy);
  exec_sql(copy, sql);
  RecordStore store = RecordStore::open(copy.string(), quick_options());
  return store.verify();
}

}  // namespace hdr::db::test
