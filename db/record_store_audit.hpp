#pragma once
// A read-only listing of the record store's audit trail (table audit_log, db/audit_log.hpp),
// newest first, for the console's records view. It opens its own connection (query_only), so
// it can run on any thread beside a RecordStore on the same file; verification stays with
// RecordStore::verify().
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace hdr::db {

struct AuditTrailEntry {
  std::int64_t seq = 0;
  std::string at;         // ISO-8601 UTC, as stored
  std::string user_name;  // who acted (the name given, for failed logins)
  std::string action;     // e.g. "import_plan", "approve", "login_failed"
  std::string entity;     // table of the row recorded
  std::int64_t entity_id = 0;
};

// The newest `limit` entries (1..10000), newest first. hdr::Error naming the file when it
// cannot be read.
std::vector<AuditTrailEntry> read_audit_trail(const std::string& store_path, std::size_t limit);

}  // namespace hdr::db
