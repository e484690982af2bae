#pragma once
// Private to db/: the state behind RecordStore and helpers shared by its record_store_*.cpp.
#include <initializer_list>
#include <memory>
#include <string>

#include "db/record_store.hpp"
#include "db/sqlite_db.hpp"

namespace hdr::db {

struct RecordStore::Impl {
  StoreOptions options;
  std::unique_ptr<Connection> conn;
  int schema_version = 0;
};

namespace detail {

// Now as stored: ISO-8601 UTC with milliseconds.
std::string now_text();
std::string time_text(UtcTime t);
UtcTime parse_stored_time(const std::string& text, const std::string& what);

// Throws unless `by` is a user of this store with exactly that name and role (an Actor is a
// plain value: re-checking it stops a forged or stale one).
void require_user(Connection& conn, const Actor& by);
// Throws unless `by`'s login session is one of its user's and has not ended.
void require_logged_in(Connection& conn, const Actor& by, const std::string& action);
// require_user, require_logged_in, and the role is one of `allowed`.
void require_actor(Connection& conn, const Actor& by, std::initializer_list<Role> allowed, const std::string& action);

// Appends the audit entry of a write by `by` (its user and login session), checking inside
// the write transaction that the login session is still open.
void audit(Connection& conn, const Actor& by, const std::string& action, const std::string& table, Id id);

formats::Plan load_plan_rows(Connection& conn, Id plan_id);  // hdr::Error when missing

// cases.case_json of row `case_ref` read back as a case; hdr::Error naming the row when malformed.
formats::Case parse_stored_case(const std::string& case_json, Id case_ref);

// The patient's row id, inserted (and audited) when new. Inside the caller's write transaction.
Id ensure_patient(Connection& conn, const Actor& by, const std::string& patient_id);

}  // namespace detail
}  // namespace hdr::db
