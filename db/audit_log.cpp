#include "db/audit_log.hpp"

#include <sodium.h>

#include <algorithm>
#include <map>

#include "db/sqlite_db.hpp"
#include "planner/common/error.hpp"
#include "planner/common/iso_time.hpp"

namespace hdr::db {
namespace {

const std::string kGenesisHash(64, '0');

// See audit_log.hpp: the login session is hashed when the entry has one (schema version 2).
// `user` and `login_session` are an integer or null.
std::string entry_hash(std::int64_t seq, const std::string& at, const nlohmann::json& user, const nlohmann::json& login_session,
                       const std::string& user_name, const std::string& action, const std::string& entity,
                       std::int64_t entity_id, const std::string& content, const std::string& prev_hash) {
  const nlohmann::json fields = login_session.is_null()
                                    ? nlohmann::json{seq, at, user, user_name, action, entity, entity_id, content, prev_hash}
                                    : nlohmann::json{seq, at, user, login_session, user_name, action, entity, entity_id, content, prev_hash};
  return blake2b_hex(fields.dump());
}

std::string store_info(Connection& conn, const std::string& key) {
  Statement st(conn, "SELECT value FROM store_info WHERE key = ?");
  st.bind(1, key);
  return st.step() ? st.text(0) : std::string();
}

void set_store_info(Connection& conn, const std::string& key, const std::string& value) {
  Statement st(conn, "INSERT INTO store_info(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  st.bind(1, key).bind(2, value).run();
}

std::string short_value(const nlohmann::json& v) {
  std::string s = v.dump();
  if (s.size() > 40) s = s.substr(0, 37) + "...";
  return s;
}

// Lists up to `limit` differing paths between the audited and the stored content.
void json_diff(const nlohmann::json& audited, const nlohmann::json& stored, const std::string& path,
               std::vector<std::string>& out, size_t limit) {
  if (out.size() >= limit) return;
  if (audited.is_object() && stored.is_object()) {
    for (const auto& [k, v] : audited.items()) {
      const std::string p = path.empty() ? k : path + "." + k;
      if (!stored.contains(k)) out.push_back(p + " missing");
      else json_diff(v, stored.at(k), p, out, limit);
      if (out.size() >= limit) return;
    }
    for (const auto& [k, v] : stored.items())
      if (!audited.contains(k) && out.size() < limit) out.push_back((path.empty() ? k : path + "." + k) + " added");
    return;
  }
  if (audited.is_array() && stored.is_array()) {
    if (audited.size() != stored.size())
      out.push_back(path + " has " + std::to_string(stored.size()) + " entries, audit record " + std::to_string(audited.size()));
    const size_t n = std::min(audited.size(), stored.size());
    for (size_t i = 0; i < n && out.size() < limit; ++i)
      json_diff(audited[i], stored[i], path + "[" + std::to_string(i) + "]", out, limit);
    return;
  }
  if (audited != stored) out.push_back(path + " is " + short_value(stored) + ", audit record " + short_value(audited));
}

// Columns that schema migrations added to audited tables. An audit record written before
// the migration does not name them; the row still equals it while the column holds NULL
// (what the migration gave it). Any other value is a difference like any other.
const std::map<std::string, std::vector<std::string>>& columns_added_by_migrations() {
  static const std::map<std::string, std::vector<std::string>> added = {{"plans", {"case_ref"}}};  // version 2
  return added;
}

void drop_unrecorded_added_columns(const std::string& table, const nlohmann::json& audited, nlohmann::json& stored) {
  const auto it = columns_added_by_migrations().find(table);
  if (it == columns_added_by_migrations().end()) return;
  for (const auto& column : it->second)
    if (!audited.contains(column) && stored.contains(column) && stored.at(column).is_null()) stored.erase(column);
}

}  // namespace

std::string blake2b_hex(std::string_view data) {
  HDR_ASSERT(sodium_init() >= 0, "libsodium failed to initialise");
  unsigned char out[32];
  crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(data.data()), data.size(), nullptr, 0);
  char hex[65];
  sodium_bin2hex(hex, sizeof hex, out, sizeof out);
  return std::string(hex, 64);
}

const std::vector<std::string>& audited_tables() {
  static const std::vector<std::string> tables = {"users",          "login_sessions", "failed_logins",
                                                  "patients",       "cases",          "case_approvals",
                                                  "plans",          "approvals",      "sources",
                                                  "calibrations",   "delivery_sessions", "session_dwells",
                                                  "interruptions"};
  return tables;
}

std::optional<nlohmann::json> entity_content(Connection& conn, const std::string& table, Id id) {
  bool known = false;
  for (const auto& t : audited_tables()) known = known || t == table;
  HDR_ASSERT(known, "entity_content: table " + table + " is not audited");
  std::optional<nlohmann::json> row;
  {
    Statement st(conn, "SELECT * FROM " + table + " WHERE id = ?");
    st.bind(1, id);
    if (!st.step()) return std::nullopt;
    row = st.row_json();
  }
  if (table == "plans") {
    nlohmann::json dwells = nlohmann::json::array();
    Statement st(conn, "SELECT * FROM plan_dwells WHERE plan = ? ORDER BY dwell_index");
    st.bind(1, id);
    while (st.step()) {
      nlohmann::json d = st.row_json();
      d.erase("plan");
      dwells.push_back(std::move(d));
    }
    (*row)["dwells"] = std::move(dwells);
  }
  return row;
}

void append_audit(Connection& conn, std::optional<Id> user_id, const std::string& user_name, std::optional<Id> login_session,
                  const std::string& action, const std::string& table, Id id) {
  const auto content = entity_content(conn, table, id);
  HDR_ASSERT(content.has_value(), "append_audit: " + table + " row " + std::to_string(id) + " does not exist");
  std::int64_t seq = 1;
  std::string prev = kGenesisHash;
  {
    Statement st(conn, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1");
    if (st.step()) {
      seq = st.int64(0) + 1;
      prev = st.text(1);
    }
  }
  const std::string at = format_iso8601_utc(utc_now(), true);
  const std::string text = content->dump();
  const nlohmann::json user = user_id ? nlohmann::json(*user_id) : nlohmann::json(nullptr);
  const nlohmann::json session = login_session ? nlohmann::json(*login_session) : nlohmann::json(nullptr);
  const std::string hash = entry_hash(seq, at, user, session, user_name, action, table, id, text, prev);
  Statement ins(conn,
                "INSERT INTO audit_log(seq, at, user, login_session, user_name, action, entity, entity_id, content, prev_hash, hash) "
                "VALUES(?,?,?,?,?,?,?,?,?,?,?)");
  ins.bind(1, seq).bind(2, at);
  if (user_id) ins.bind(3, *user_id);
  else ins.bind_null(3);
  if (login_session) ins.bind(4, *login_session);
  else ins.bind_null(4);
  ins.bind(5, user_name).bind(6, action).bind(7, table).bind(8, id).bind(9, text).bind(10, prev).bind(11, hash).run();
  set_store_info(conn, "audit_head_seq", std::to_string(seq));
  set_store_info(conn, "audit_head_hash", hash);
}

void verify_audit(Connection& conn, std::vector<std::string>& problems, std::size_t& entries) {
  // 1. The chain: consecutive sequence numbers, each hash recomputed, each link to its predecessor.
  std::map<std::pair<std::string, Id>, std::pair<std::int64_t, std::string>> latest;  // (table,id) -> (seq, content)
  std::int64_t expected_seq = 1;
  std::string prev = kGenesisHash;
  std::string last_hash;
  entries = 0;
  size_t chain_problems = 0;
  {
    Statement st(conn,
                 "SELECT seq, at, user, user_name, action, entity, entity_id, content, prev_hash, hash, login_session "
                 "FROM audit_log ORDER BY seq");
    while (st.step()) {
      ++entries;
      const std::int64_t seq = st.int64(0);
      const nlohmann::json user = st.is_null(2) ? nlohmann::json(nullptr) : nlohmann::json(st.int64(2));
      const std::string entity = st.text(5);
      const Id entity_id = st.int64(6);
      const std::string content = st.text(7);
      const std::string prev_hash = st.text(8);
      const std::string hash = st.text(9);
      const nlohmann::json login_session = st.is_null(10) ? nlohmann::json(nullptr) : nlohmann::json(st.int64(10));
      const std::string where = "audit_log entry seq " + std::to_string(seq);
      if (chain_problems < 5) {
        if (seq != expected_seq) {
          problems.push_back(where + ": expected seq " + std::to_string(expected_seq) +
                             " (audit entries deleted, inserted or renumbered)");
          ++chain_problems;
        }
        if (prev_hash != prev) {
          problems.push_back(where + ": prev_hash does not match the preceding entry's hash (entries deleted, inserted or reordered)");
          ++chain_problems;
        }
        if (entry_hash(seq, st.text(1), user, login_session, st.text(3), st.text(4), entity, entity_id, content, prev_hash) != hash) {
          problems.push_back(where + " (" + st.text(4) + " " + entity + " " + std::to_string(entity_id) +
                             "): its hash does not match its content (entry edited)");
          ++chain_problems;
        }
      }
      expected_seq = seq + 1;
      prev = hash;
      last_hash = hash;
      latest[{entity, entity_id}] = {seq, content};
    }
  }
  // 2. The head recorded with the last write: catches entries cut off the end.
  const std::string head_seq = store_info(conn, "audit_head_seq");
  const std::string head_hash = store_info(conn, "audit_head_hash");
  if (head_seq != std::to_string(entries) || head_hash != last_hash)
    problems.push_back("audit_log: the chain ends at seq " + std::to_string(entries) + " but the store's recorded head is seq " +
                       (head_seq.empty() ? std::string("(missing)") : head_seq) + " (audit entries deleted or head edited)");

  // 3. Every audited row equals its latest audit record; every audited row still exists.
  for (const auto& table : audited_tables()) {
    std::vector<Id> ids;
    {
      Statement st(conn, "SELECT id FROM " + table + " ORDER BY id");
      while (st.step()) ids.push_back(st.int64(0));
    }
    size_t table_problems = 0;
    for (const Id id : ids) {
      if (table_problems >= 10) break;
      const std::string what = table + " row id " + std::to_string(id);
      const auto it = latest.find({table, id});
      if (it == latest.end()) {
        problems.push_back(what + " has no audit record (inserted behind the store's back)");
        ++table_problems;
        continue;
      }
      auto stored = entity_content(conn, table, id);
      nlohmann::json audited;
      try {
        audited = nlohmann::json::parse(it->second.second);
      } catch (const nlohmann::json::exception&) {
        problems.push_back("audit_log entry seq " + std::to_string(it->second.first) + ": content is not valid JSON");
        ++table_problems;
        continue;
      }
      drop_unrecorded_added_columns(table, audited, *stored);
      if (*stored != audited) {
        std::vector<std::string> diffs;
        json_diff(audited, *stored, "", diffs, 3);
        std::string detail;
        for (const auto& d : diffs) detail += (detail.empty() ? "" : "; ") + d;
        problems.push_back(what + " differs from its audit record (seq " + std::to_string(it->second.first) + "): " + detail);
        ++table_problems;
      }
    }
    for (const auto& [key, val] : latest) {
      if (key.first != table) continue;
      if (!std::binary_search(ids.begin(), ids.end(), key.second)) {
        problems.push_back(table + " row id " + std::to_string(key.second) + " recorded in audit entry seq " +
                           std::to_string(val.first) + " is missing (deleted behind the store's back)");
        if (++table_problems >= 10) break;
      }
    }
  }
}

}  // namespace hdr::db
