// RecordStore: opening/creating the file, users and authentication, verification.
#include "db/record_store.hpp"

#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>

#include "db/audit_log.hpp"
#include "db/password.hpp"
#include "db/record_store_impl.hpp"
#include "db/schema.hpp"
#include "planner/common/error.hpp"

namespace hdr::db {

const char* to_string(Role role) {
  switch (role) {
    case Role::admin: return "admin";
    case Role::physician: return "physician";
    case Role::physicist: return "physicist";
    case Role::therapist: return "therapist";
  }
  return "?";
}

Role role_from_string(const std::string& text) {
  for (Role r : {Role::admin, Role::physician, Role::physicist, Role::therapist})
    if (text == to_string(r)) return r;
  throw Error("role '" + text + "' is not one of admin, physician, physicist, therapist");
}

const char* to_string(LoginEnd how) {
  switch (how) {
    case LoginEnd::logout: return "logout";
    case LoginEnd::aborted: return "aborted";
  }
  return "?";
}

namespace {

LoginEnd login_end_from_string(const std::string& text) {
  for (LoginEnd h : {LoginEnd::logout, LoginEnd::aborted})
    if (text == to_string(h)) return h;
  throw Error("login_sessions.ended_how '" + text + "' is not one of logout, aborted");
}

}  // namespace

std::string StoreOptions::validate() const {
  if (pwhash_opslimit < pwhash_opslimit_min() || pwhash_opslimit > 64)
    return "StoreOptions::pwhash_opslimit = " + std::to_string(pwhash_opslimit) + ": must be in [" +
           std::to_string(pwhash_opslimit_min()) + ", 64]";
  if (pwhash_memlimit < pwhash_memlimit_min() || pwhash_memlimit > (std::size_t{1} << 31))
    return "StoreOptions::pwhash_memlimit = " + std::to_string(pwhash_memlimit) + ": must be in [" +
           std::to_string(pwhash_memlimit_min()) + ", 2^31] bytes";
  if (busy_timeout_ms < 0 || busy_timeout_ms > 600000)
    return "StoreOptions::busy_timeout_ms = " + std::to_string(busy_timeout_ms) + ": must be in [0, 600000]";
  return {};
}

namespace detail {

std::string time_text(UtcTime t) { return format_iso8601_utc(t, true); }
std::string now_text() { return time_text(utc_now()); }
UtcTime parse_stored_time(const std::string& text, const std::string& what) { return parse_iso8601(text, what); }

void require_logged_in(Connection& conn, const Actor& by, const std::string& action) {
  if (by.login_session_id == 0)
    throw Error("user '" + by.name + "' has no login session (an Actor comes only from authenticate()); refusing to " + action);
  Statement st(conn, "SELECT user, ended_at, ended_how FROM login_sessions WHERE id = ?");
  st.bind(1, by.login_session_id);
  const std::string session = "login session " + std::to_string(by.login_session_id);
  if (!st.step() || st.int64(0) != by.user_id)
    throw Error(session + " is not a login session of user '" + by.name + "' in " + conn.path() + "; refusing to " + action);
  if (!st.is_null(1))
    throw Error("user '" + by.name + "' is no longer logged in: " + session + " ended at " + st.text(1) + " (" +
                st.optional_text(2).value_or("?") + "); log in again to " + action);
}

void require_user(Connection& conn, const Actor& by) {
  Statement st(conn, "SELECT name, role FROM users WHERE id = ?");
  st.bind(1, by.user_id);
  if (!st.step() || st.text(0) != by.name || st.text(1) != to_string(by.role))
    throw Error("user '" + by.name + "' (id " + std::to_string(by.user_id) + ") is not an authenticated user of " + conn.path());
}

void require_actor(Connection& conn, const Actor& by, std::initializer_list<Role> allowed, const std::string& action) {
  require_user(conn, by);
  require_logged_in(conn, by, action);
  for (Role r : allowed)
    if (r == by.role) return;
  std::string roles;
  for (Role r : allowed) roles += (roles.empty() ? "" : " or ") + std::string(to_string(r));
  throw Error("user '" + by.name + "' has role " + to_string(by.role) + "; only " + roles + " may " + action);
}

void audit(Connection& conn, const Actor& by, const std::string& action, const std::string& table, Id id) {
  // Checked again inside the write transaction: a logout by another connection since
  // require_actor() makes this write roll back.
  require_logged_in(conn, by, "write (" + action + ")");
  append_audit(conn, by.user_id, by.name, by.login_session_id, action, table, id);
}

}  // namespace detail

namespace {

void check_options(const StoreOptions& options) {
  const std::string err = options.validate();
  require(err.empty(), err);
}

bool file_exists(const std::string& path) {
  struct stat sb {};
  return ::stat(path.c_str(), &sb) == 0;
}

void check_user_name(const std::string& name) {
  require(!name.empty() && name.size() <= 64, "user name '" + name + "' must have 1 to 64 characters");
  for (const char c : name)
    require(std::isprint(static_cast<unsigned char>(c)) != 0, "user name '" + name + "' has a non-printable character");
}

}  // namespace

RecordStore::RecordStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RecordStore::RecordStore(RecordStore&&) noexcept = default;
RecordStore& RecordStore::operator=(RecordStore&&) noexcept = default;
RecordStore::~RecordStore() = default;

const std::string& RecordStore::path() const { return impl_->conn->path(); }
int RecordStore::schema_version() const { return impl_->schema_version; }

RecordStore RecordStore::create(const std::string& path, const std::string& admin_name, const std::string& admin_password,
                                const StoreOptions& options) {
  check_options(options);
  check_user_name(admin_name);
  require(!admin_password.empty(), "the admin password may not be empty");
  require(!file_exists(path), path + ": already exists; refusing to overwrite it (a record store is created only once)");
  // Built under a temporary name and renamed into place when complete, so a failure leaves
  // no half-initialised store at `path`.
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  try {
    {
      Connection conn(tmp, Connection::Mode::create_new);
      configure_connection(conn, options.busy_timeout_ms);
      migrate(conn, 0);
      WriteTransaction tx(conn);
      const std::string now = detail::now_text();
      Statement(conn, "INSERT INTO store_info(key, value) VALUES('created_at', ?)").bind(1, now).run();
      Statement ins(conn, "INSERT INTO users(name, role, password_hash, created_at) VALUES(?, 'admin', ?, ?)");
      ins.bind(1, admin_name).bind(2, hash_password(admin_password, options.pwhash_opslimit, options.pwhash_memlimit)).bind(3, now).run();
      const Id id = conn.last_insert_rowid();
      append_audit(conn, id, admin_name, std::nullopt, "create_store", "users", id);
      tx.commit();
      // Leave WAL mode's side files behind only while open: checkpoint before the rename.
      conn.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    }
    std::remove((tmp + "-wal").c_str());
    std::remove((tmp + "-shm").c_str());
    if (file_exists(path)) throw Error(path + ": appeared while the store was being created; refusing to overwrite it");
    if (std::rename(tmp.c_str(), path.c_str()) != 0) throw Error(path + ": cannot rename the new store into place");
  } catch (...) {
    std::remove(tmp.c_str());
    std::remove((tmp + "-wal").c_str());
    std::remove((tmp + "-shm").c_str());
    throw;
  }
  return open(path, options);
}

RecordStore RecordStore::open(const std::string& path, const StoreOptions& options) {
  check_options(options);
  require(file_exists(path), path + ": no such record store (create one with 'hdr records init')");
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->conn = std::make_unique<Connection>(path, Connection::Mode::read_write_existing);
  // Read-only checks first: a foreign or malformed file is refused before anything is written.
  const int version = check_store_file(*impl->conn);
  configure_connection(*impl->conn, options.busy_timeout_ms);
  migrate(*impl->conn, version);
  impl->schema_version = static_cast<int>(impl->conn->pragma_int("user_version"));
  return RecordStore(std::move(impl));
}

namespace {

// The name as given in a failed login, bounded: a user name has at most 64 characters, so a
// longer one is kept as its first 64 characters and its length.
std::string given_name_for_record(const std::string& name) {
  if (name.size() <= 64) return name;
  return name.substr(0, 64) + "... (" + std::to_string(name.size()) + " bytes)";
}

}  // namespace

Actor RecordStore::authenticate(const std::string& name, const std::string& password) {
  auto& conn = *impl_->conn;
  std::optional<Id> user_id;
  std::string role_text, password_hash;
  {
    Statement st(conn, "SELECT id, role, password_hash FROM users WHERE name = ?");
    st.bind(1, name);
    if (st.step()) {
      user_id = st.int64(0);
      role_text = st.text(1);
      password_hash = st.text(2);
    }
  }
  // Argon2id outside the write transaction: it takes ~0.1 s and must not hold the lock.
  const bool matches = user_id && password_matches(password_hash, password);
  WriteTransaction tx(conn);
  const std::string now = detail::now_text();
  if (!matches) {
    const std::string given = given_name_for_record(name);
    Statement ins(conn, "INSERT INTO failed_logins(user_name, user, at, reason) VALUES(?, ?, ?, ?)");
    ins.bind(1, given);
    if (user_id) ins.bind(2, *user_id);
    else ins.bind_null(2);
    ins.bind(3, now).bind(4, user_id ? "wrong password" : "unknown user").run();
    const Id id = conn.last_insert_rowid();
    append_audit(conn, std::nullopt, given, std::nullopt, "login_failed", "failed_logins", id);
    tx.commit();
    throw Error("authentication failed for user '" + name + "' in " + path());
  }
  Statement(conn, "INSERT INTO login_sessions(user, started_at) VALUES(?, ?)").bind(1, *user_id).bind(2, now).run();
  const Actor actor{*user_id, name, role_from_string(role_text), conn.last_insert_rowid()};
  detail::audit(conn, actor, "login", "login_sessions", actor.login_session_id);
  tx.commit();
  return actor;
}

void RecordStore::logout(const Actor& actor, LoginEnd how) {
  auto& conn = *impl_->conn;
  detail::require_user(conn, actor);
  const std::string session = "login session " + std::to_string(actor.login_session_id) + " of user '" + actor.name + "'";
  WriteTransaction tx(conn);
  {
    Statement st(conn, "SELECT user, ended_at, ended_how FROM login_sessions WHERE id = ?");
    st.bind(1, actor.login_session_id);
    require(st.step() && st.int64(0) == actor.user_id, session + " does not exist in " + path() + "; nothing to log out");
    require(st.is_null(1), session + " has already ended at " + st.optional_text(1).value_or("?") + " (" +
                               st.optional_text(2).value_or("?") + ")");
  }
  Statement(conn, "UPDATE login_sessions SET ended_at = ?, ended_how = ? WHERE id = ?")
      .bind(1, detail::now_text()).bind(2, to_string(how)).bind(3, actor.login_session_id).run();
  append_audit(conn, actor.user_id, actor.name, actor.login_session_id, how == LoginEnd::logout ? "logout" : "logout_aborted",
               "login_sessions", actor.login_session_id);
  tx.commit();
}

std::vector<LoginSession> RecordStore::login_sessions(const std::string& user_name) {
  std::vector<LoginSession> out;
  Statement st(*impl_->conn,
               "SELECT s.id, u.name, s.started_at, s.ended_at, s.ended_how FROM login_sessions s JOIN users u ON u.id = s.user "
               "WHERE u.name = ? ORDER BY s.id");
  st.bind(1, user_name);
  while (st.step()) {
    LoginSession s{st.int64(0), st.text(1), detail::parse_stored_time(st.text(2), "login_sessions.started_at"), std::nullopt, std::nullopt};
    if (!st.is_null(3)) s.ended_at = detail::parse_stored_time(st.text(3), "login_sessions.ended_at");
    if (!st.is_null(4)) s.ended_how = login_end_from_string(st.text(4));
    out.push_back(std::move(s));
  }
  return out;
}

UserInfo RecordStore::add_user(const Actor& by, const std::string& name, Role role, const std::string& password) {
  auto& conn = *impl_->conn;
  detail::require_actor(conn, by, {Role::admin}, "add users");
  check_user_name(name);
  require(!password.empty(), "the new user's password may not be empty");
  const std::string hash = hash_password(password, impl_->options.pwhash_opslimit, impl_->options.pwhash_memlimit);
  WriteTransaction tx(conn);
  {
    Statement exists(conn, "SELECT 1 FROM users WHERE name = ?");
    exists.bind(1, name);
    require(!exists.step(), "user '" + name + "' already exists in " + path());
  }
  const std::string now = detail::now_text();
  Statement(conn, "INSERT INTO users(name, role, password_hash, created_at) VALUES(?, ?, ?, ?)")
      .bind(1, name).bind(2, to_string(role)).bind(3, hash).bind(4, now).run();
  const Id id = conn.last_insert_rowid();
  detail::audit(conn, by, "add_user", "users", id);
  tx.commit();
  return UserInfo{id, name, role, detail::parse_stored_time(now, "users.created_at")};
}

std::vector<UserInfo> RecordStore::users() {
  std::vector<UserInfo> out;
  Statement st(*impl_->conn, "SELECT id, name, role, created_at FROM users ORDER BY id");
  while (st.step())
    out.push_back(UserInfo{st.int64(0), st.text(1), role_from_string(st.text(2)),
                           detail::parse_stored_time(st.text(3), "users.created_at")});
  return out;
}

VerifyReport RecordStore::verify() {
  auto& conn = *impl_->conn;
  VerifyReport report;
  {
    Statement st(conn, "PRAGMA integrity_check");
    while (st.step()) {
      const std::string line = st.text(0);
      if (line != "ok") report.problems.push_back("integrity_check: " + line);
    }
  }
  {
    Statement st(conn, "PRAGMA foreign_key_check");
    while (st.step())
      report.problems.push_back("foreign_key_check: " + st.text(0) + " row " + std::to_string(st.int64(1)) +
                                " refers to a missing " + st.text(2) + " row");
  }
  try {
    verify_audit(conn, report.problems, report.audit_entries);
  } catch (const Error& e) {
    report.problems.push_back(std::string("audit check failed: ") + e.what());
  }
  // Plans: the hash recorded at import must still match the stored content.
  {
    std::vector<std::pair<Id, std::string>> plans;
    Statement st(conn, "SELECT id, content_hash FROM plans ORDER BY id");
    while (st.step()) plans.emplace_back(st.int64(0), st.text(1));
    for (const auto& [id, hash] : plans) {
      try {
        if (plan_content_hash(detail::load_plan_rows(conn, id)) != hash)
          report.problems.push_back("plans row id " + std::to_string(id) +
                                    ": stored plan content no longer matches its content hash (plan changed after import)");
      } catch (const Error& e) {
        report.problems.push_back("plans row id " + std::to_string(id) + ": cannot be read back: " + e.what());
      }
    }
  }
  // Cases: the hash recorded when stored must still match case_json, and a case's approval
  // must be for that hash.
  {
    std::vector<std::pair<Id, std::string>> cases;
    Statement st(conn, "SELECT id, content_hash FROM cases ORDER BY id");
    while (st.step()) cases.emplace_back(st.int64(0), st.text(1));
    for (const auto& [id, hash] : cases) {
      const std::string what = "cases row id " + std::to_string(id);
      try {
        const StoredCase sc = case_record(id);
        if (sc.recomputed_hash != hash)
          report.problems.push_back(what + ": stored case content no longer matches its content hash (case changed after it was stored)");
        if (sc.approval && sc.approval->case_hash != hash)
          report.problems.push_back("case_approvals row id " + std::to_string(sc.approval->approval_id) + ": approves " + what +
                                    " for content hash " + sc.approval->case_hash + ", the case's is " + hash);
      } catch (const Error& e) {
        report.problems.push_back(what + ": cannot be read back: " + e.what());
      }
    }
  }
  return report;
}

}  // namespace hdr::db
