#pragma once
// The store's schema and its migrations. PRAGMA user_version is the schema version;
// migrations[k] takes a store from version k to k+1 inside one transaction, so a v2 slots in
// by appending one function (and a fixture of v1 to the migration test). PRAGMA
// application_id marks our files so that a foreign SQLite file is refused, not written to.
#include <cstdint>
#include <string>

namespace hdr::db {

class Connection;

inline constexpr std::int64_t kApplicationId = 0x48445231;  // "HDR1"
inline constexpr int kSchemaVersion = 1;

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

}  // namespace hdr::db
