#pragma once
// The append-only, hash-chained audit log (table audit_log). Entry n stores
//   hash_n = hex BLAKE2b-256( JSON [seq, at, user, user_name, action, entity, entity_id,
//                                   content, prev_hash] )  with prev_hash = hash_{n-1}
// (64 zeros before the first entry), and `content` is the full canonical content of the row it
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

// Appends one entry recording `table` row `id` (its current entity_content) for `action`.
// Must run inside the write transaction that made the change.
void append_audit(Connection& conn, std::optional<Id> user_id, const std::string& user_name,
                  const std::string& action, const std::string& table, Id id);

// Adds a message per problem: chain broken (edited, deleted, inserted, reordered entries),
// head mismatch, rows without audit record, audited rows missing, rows differing from their
// latest audit record (naming the differing fields).
void verify_audit(Connection& conn, std::vector<std::string>& problems, std::size_t& entries);

}  // namespace hdr::db
