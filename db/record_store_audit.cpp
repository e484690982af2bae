#include "db/record_store_audit.hpp"

#include "db/sqlite_db.hpp"
#include "planner/common/error.hpp"

namespace hdr::db {

std::vector<AuditTrailEntry> read_audit_trail(const std::string& store_path, std::size_t limit) {
  require(limit >= 1 && limit <= 10000, "read_audit_trail: limit = " + std::to_string(limit) + ": must be in 1..10000");
  Connection conn(store_path, Connection::Mode::read_write_existing);
  conn.exec("PRAGMA query_only = ON; PRAGMA busy_timeout = 2000;");  // a reader: never writes, waits out a writer
  Statement q(conn, "SELECT seq, at, user_name, action, entity, entity_id FROM audit_log ORDER BY seq DESC LIMIT ?1");
  q.bind(1, static_cast<std::int64_t>(limit));
  std::vector<AuditTrailEntry> out;
  while (q.step()) out.push_back({q.int64(0), q.text(1), q.text(2), q.text(3), q.text(4), q.int64(5)});
  return out;
}

}  // namespace hdr::db
