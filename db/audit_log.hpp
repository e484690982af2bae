#pragma once
// The append-only, hash-chained audit log (table audit_log). Entry n stores
//   hash_n = hex BLAKE2b-256( JSON [seq, at, user, login_session, user_name, action, entity,
//                                   entity_id, content, prev_hash] )  with prev_hash = hash_{n-1}
// (64 zeros before the first entry) when the entry carries a login session, and the same
// without the login_session element when it does not (every entry written by schema version 1,
// the store's creation, failed logins, schema migrations): so version-1 entries verify
// unchanged, and setting or clearing an entry's login_session breaks its hash. And `content` is the full canonical content of the row it
// records as it stands after the write (entity_content()). The chain's head (last seq and
// hash) is kept in store_info in the same transaction, so that deleting the last entries is
// seen too. Verification recomputes everything from the file alone.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "db/record_store.hpp"

namespace hdr::db {

class Connection;

// Hex BLAKE2b-256 (libsodium crypto_generichash) of `data`.
std::string blake2b_hex(std::string_view data);

// The tables whose every row is covered by audit entries (plan_dwells belong to plans).
const std::vector<std::string>& audited_tables();

// The row `id` of `table` as stored now, every column by name; a plan carries its dwells as
// "dwells" (rows of plan_dwells by dwell_index). nullopt when there is no such row.
std::optional<nlohmann::json> entity_content(Connection& conn, const std::string& table, Id id);

// Appends one entry recording `table` row `id` (its current entity_content) for `action`, by
// `user_id`/`user_name` in login session `login_session`. Must run inside the write
// transaction that made the change.
void append_audit(Connection& conn, std::optional<Id> user_id, const std::string& user_name,
                  std::optional<Id> login_session, const std::string& action, const std::string& table, Id id);

// Adds a message per problem: chain broken (edited, deleted, inserted, reordered entries),
// head mismatch, rows without audit record, audited rows missing, rows differing from their
// latest audit record (naming the differing fields). A column a schema migration added (e.g.
// plans.case_ref in version 2) that an older record does not name must hold NULL.
void verify_audit(Connection& conn, std::vector<std::string>& problems, std::size_t& entries);

}  // namespace hdr::db
