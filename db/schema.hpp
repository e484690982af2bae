#pragma once
// The store's schema and its migrations. PRAGMA user_version is the schema version;
// migrations[k] takes a store from version k to k+1 inside one transaction (a version n+1
// slots in by appending one function, and a fixture of version n to the migration test).
//  - version 1: users, patients, cases (unused), plans, approvals, sources, calibrations,
//    delivery records, audit_log;
//  - version 2: login_sessions and failed_logins; audit_log.login_session (hashed into new
//    entries); cases rebuilt with content_hash and stored_by; case_approvals; optional
//    plans.case_ref (NULL in migrated rows, whose version-1 audit records do not name it:
//    verify_audit() accepts a column added by a migration only while it holds NULL). PRAGMA
// application_id marks our files so that a foreign SQLite file is refused, not written to.
#include <cstdint>
#include <string>

namespace hdr::db {

class Connection;

inline constexpr std::int64_t kApplicationId = 0x48445231;  // "HDR1"
inline constexpr int kSchemaVersion = 2;

// Reads the first 16 bytes and the header pragmas of an existing file, writing nothing.
// hdr::Error naming the file when it is missing, not SQLite, another application's, or of a
// newer schema than this program knows. Returns the file's schema version.
int check_store_file(Connection& conn);

// WAL, foreign keys, synchronous=FULL, busy timeout: set on every connection.
void configure_connection(Connection& conn, int busy_timeout_ms);

// Brings the store from `from_version` to kSchemaVersion (0 = a new, empty file).
void migrate(Connection& conn, int from_version);

// The schema DDL of version 1 (also used by the migration test as a historical fixture).
const char* schema_v1_sql();
// The DDL that takes version 1 to version 2 (the migration also refuses a version-1 store
// whose unused cases table holds rows, which would be dropped).
const char* migration_v1_to_v2_sql();

}  // namespace hdr::db
