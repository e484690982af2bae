#include "db/schema.hpp"

#include <array>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "db/sqlite_db.hpp"
#include "planner/common/error.hpp"

namespace hdr::db {

const char* schema_v1_sql() {
  // Plain names, units in column names: auditors read this file with sqlite3 too. Times are
  // ISO-8601 UTC text. Every row is covered by an audit_log entry with its full content.
  return R"SQL(
CREATE TABLE store_info (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE users (
  id            INTEGER PRIMARY KEY,
  name          TEXT NOT NULL UNIQUE,
  role          TEXT NOT NULL CHECK (role IN ('admin','physician','physicist','therapist')),
  password_hash TEXT NOT NULL,
  created_at    TEXT NOT NULL
);
CREATE TABLE patients (
  id         INTEGER PRIMARY KEY,
  patient_id TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL
);
CREATE TABLE cases (
  id         INTEGER PRIMARY KEY,
  patient    INTEGER NOT NULL REFERENCES patients(id),
  case_id    TEXT NOT NULL,
  case_json  TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE plans (
  id                          INTEGER PRIMARY KEY,
  patient                     INTEGER NOT NULL REFERENCES patients(id),
  case_id                     TEXT NOT NULL,
  source_model                TEXT NOT NULL,
  source_air_kerma_strength_U REAL NOT NULL,
  source_reference_time       TEXT,
  prescription_dose_Gy        REAL NOT NULL,
  prescription_fractions      INTEGER NOT NULL,
  metrics_json                TEXT NOT NULL,
  timing_ms_json              TEXT NOT NULL,
  extra_json                  TEXT NOT NULL,
  content_hash                TEXT NOT NULL,
  imported_by                 INTEGER NOT NULL REFERENCES users(id),
  imported_at                 TEXT NOT NULL
);
CREATE TABLE plan_dwells (
  plan        INTEGER NOT NULL REFERENCES plans(id),
  dwell_index INTEGER NOT NULL,
  catheter    INTEGER NOT NULL,
  x_mm        REAL NOT NULL,
  y_mm        REAL NOT NULL,
  z_mm        REAL NOT NULL,
  direction_x REAL NOT NULL,
  direction_y REAL NOT NULL,
  direction_z REAL NOT NULL,
  time_s      REAL NOT NULL,
  PRIMARY KEY (plan, dwell_index)
);
CREATE TABLE approvals (
  id          INTEGER PRIMARY KEY,
  plan        INTEGER NOT NULL REFERENCES plans(id),
  user        INTEGER NOT NULL REFERENCES users(id),
  role        TEXT NOT NULL CHECK (role IN ('physician','physicist')),
  approved_at TEXT NOT NULL,
  plan_hash   TEXT NOT NULL,
  UNIQUE (plan, role)
);
CREATE TABLE sources (
  id             INTEGER PRIMARY KEY,
  model          TEXT NOT NULL,
  serial         TEXT NOT NULL,
  half_life_days REAL NOT NULL,
  created_at     TEXT NOT NULL,
  UNIQUE (model, serial)
);
CREATE TABLE calibrations (
  id                               INTEGER PRIMARY KEY,
  source                           INTEGER NOT NULL REFERENCES sources(id),
  measured_at                      TEXT NOT NULL,
  S_K_U                            REAL NOT NULL,
  certificate_S_K_U                REAL NOT NULL,
  certificate_reference_time       TEXT NOT NULL,
  certificate_S_K_at_measurement_U REAL NOT NULL,
  deviation_pct                    REAL NOT NULL,
  status                           TEXT NOT NULL CHECK (status IN ('pass','warn','fail')),
  accepted                         INTEGER NOT NULL CHECK (accepted IN (0,1)),
  reason                           TEXT NOT NULL,
  measurement_json                 TEXT NOT NULL,
  result_json                      TEXT NOT NULL,
  recorded_by                      INTEGER NOT NULL REFERENCES users(id),
  recorded_at                      TEXT NOT NULL
);
CREATE TABLE delivery_sessions (
  id                     INTEGER PRIMARY KEY,
  plan                   INTEGER NOT NULL REFERENCES plans(id),
  fraction               INTEGER NOT NULL,
  status                 TEXT NOT NULL CHECK (status IN ('in_progress','interrupted','completed','refused')),
  delivered_by           INTEGER NOT NULL REFERENCES users(id),
  source_model           TEXT NOT NULL,
  source_serial          TEXT NOT NULL,
  sk_used_U              REAL NOT NULL,
  console_started_at     TEXT NOT NULL,
  machine_clock_at_start TEXT,
  ended_at               TEXT
);
CREATE TABLE session_dwells (
  id          INTEGER PRIMARY KEY,
  session     INTEGER NOT NULL REFERENCES delivery_sessions(id),
  dwell_index INTEGER NOT NULL,
  planned_s   REAL NOT NULL,
  delivered_s REAL NOT NULL,
  UNIQUE (session, dwell_index)
);
CREATE TABLE interruptions (
  id      INTEGER PRIMARY KEY,
  session INTEGER NOT NULL REFERENCES delivery_sessions(id),
  at      TEXT NOT NULL,
  reason  TEXT NOT NULL
);
CREATE TABLE audit_log (
  seq       INTEGER PRIMARY KEY,
  at        TEXT NOT NULL,
  user      INTEGER,
  user_name TEXT NOT NULL,
  action    TEXT NOT NULL,
  entity    TEXT NOT NULL,
  entity_id INTEGER NOT NULL,
  content   TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash      TEXT NOT NULL
);
CREATE INDEX audit_log_entity ON audit_log(entity, entity_id);
CREATE INDEX plans_patient ON plans(patient);
CREATE INDEX sessions_plan ON delivery_sessions(plan);
CREATE INDEX calibrations_source ON calibrations(source);
)SQL";
}

const char* migration_v1_to_v2_sql() {
  return R"SQL(
CREATE TABLE login_sessions (
  id         INTEGER PRIMARY KEY,
  user       INTEGER NOT NULL REFERENCES users(id),
  started_at TEXT NOT NULL,
  ended_at   TEXT,
  ended_how  TEXT CHECK (ended_how IN ('logout','aborted')),
  CHECK ((ended_at IS NULL) = (ended_how IS NULL))
);
CREATE TABLE failed_logins (
  id        INTEGER PRIMARY KEY,
  user_name TEXT NOT NULL,
  user      INTEGER REFERENCES users(id),
  at        TEXT NOT NULL,
  reason    TEXT NOT NULL CHECK (reason IN ('unknown user','wrong password'))
);
DROP TABLE cases;
CREATE TABLE cases (
  id           INTEGER PRIMARY KEY,
  patient      INTEGER NOT NULL REFERENCES patients(id),
  case_id      TEXT NOT NULL,
  case_json    TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  stored_by    INTEGER NOT NULL REFERENCES users(id),
  created_at   TEXT NOT NULL
);
CREATE TABLE case_approvals (
  id          INTEGER PRIMARY KEY,
  case_ref    INTEGER NOT NULL UNIQUE REFERENCES cases(id),
  user        INTEGER NOT NULL REFERENCES users(id),
  role        TEXT NOT NULL CHECK (role = 'physician'),
  approved_at TEXT NOT NULL,
  case_hash   TEXT NOT NULL
);
ALTER TABLE plans ADD COLUMN case_ref INTEGER REFERENCES cases(id);
ALTER TABLE audit_log ADD COLUMN login_session INTEGER REFERENCES login_sessions(id);
CREATE INDEX login_sessions_user ON login_sessions(user);
CREATE INDEX cases_patient ON cases(patient);
CREATE INDEX plans_case ON plans(case_ref);
)SQL";
}

namespace {

using Migration = void (*)(Connection&);

void migrate_0_to_1(Connection& conn) { conn.exec(schema_v1_sql()); }

void migrate_1_to_2(Connection& conn) {
  {
    // No version-1 program writes cases; rows there came from elsewhere and would be lost.
    Statement st(conn, "SELECT COUNT(*) FROM cases");
    st.step();
    if (st.int64(0) != 0)
      throw Error(conn.path() + ": cannot migrate to schema version 2: its cases table holds " + std::to_string(st.int64(0)) +
                  " rows, which no version-1 program writes; refusing to drop them");
  }
  conn.exec(migration_v1_to_v2_sql());
  // For auditors: when this store left version 1. (plans rows gained case_ref, NULL: their
  // version-1 audit records do not name it, and verify_audit() accepts exactly that.)
  Statement(conn, "INSERT INTO store_info(key, value) VALUES('migrated_to_v2_at', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))").run();
}

// migrations[k] takes version k to k+1.
constexpr std::array<Migration, kSchemaVersion> migrations = {&migrate_0_to_1, &migrate_1_to_2};

}  // namespace

int check_store_file(Connection& conn) {
  const std::string& path = conn.path();
  {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path + ": no such record store (create one with 'hdr records init')");
    char header[16] = {};
    in.read(header, sizeof header);
    if (in.gcount() != 16 || std::memcmp(header, "SQLite format 3", 16) != 0)
      throw Error(path + ": not a record store (not an SQLite database file); refusing to touch it");
  }
  const std::int64_t app = conn.pragma_int("application_id");
  if (app != kApplicationId) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%08llx", static_cast<unsigned long long>(app));
    throw Error(path + ": not an hdr record store (SQLite application_id " + buf +
                ", expected 0x48445231); refusing to touch it");
  }
  const std::int64_t version = conn.pragma_int("user_version");
  if (version < 1 || version > kSchemaVersion)
    throw Error(path + ": record store schema version " + std::to_string(version) + " is not one this program knows (1.." +
                std::to_string(kSchemaVersion) + "); refusing to touch it");
  return static_cast<int>(version);
}

void configure_connection(Connection& conn, int busy_timeout_ms) {
  conn.exec("PRAGMA busy_timeout = " + std::to_string(busy_timeout_ms));
  conn.exec("PRAGMA journal_mode = WAL");
  conn.exec("PRAGMA synchronous = FULL");
  conn.exec("PRAGMA foreign_keys = ON");
  if (conn.pragma_int("foreign_keys") != 1) conn.fail("foreign keys could not be enabled");
}

void migrate(Connection& conn, int from_version) {
  HDR_ASSERT(from_version >= 0 && from_version <= kSchemaVersion, "migrate: unknown version");
  if (from_version == kSchemaVersion) return;  // nothing to do: no write lock taken
  for (;;) {
    WriteTransaction tx(conn);
    // Read again under the write lock: another process may have migrated the file meanwhile.
    const std::int64_t v = conn.pragma_int("user_version");
    if (v >= kSchemaVersion) break;
    HDR_ASSERT(v >= from_version, "migrate: the store's schema version went backwards");
    migrations[static_cast<size_t>(v)](conn);
    if (v == 0) conn.exec("PRAGMA application_id = " + std::to_string(kApplicationId));
    conn.exec("PRAGMA user_version = " + std::to_string(v + 1));
    tx.commit();
  }
}

}  // namespace hdr::db
