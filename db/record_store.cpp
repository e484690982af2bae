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

void require_actor(Connection& conn, const Actor& by, std::initializer_list<Role> allowed, const std::string& action) {
  Statement st(conn, "SELECT name, role FROM users WHERE id = ?");
  st.bind(1, by.user_id);
  if (!st.step() || st.text(0) != by.name || st.text(1) != to_string(by.role))
    throw Error("user '" + by.name + "' (id " + std::to_string(by.user_id) + ") is not an authenticated user of " + conn.path());
  for (Role r : allowed)
    if (r == by.role) return;
  std::string roles;
  for (Role r : allowed) roles += (roles.empty() ? "" : " or ") + std::string(to_string(r));
  throw Error("user '" + by.name + "' has role " + to_string(by.role) + "; only " + roles + " may " + action);
}

void audit(Connection& conn, const Actor& by, const std::string& action, const std::string& table, Id id) {
  append_audit(conn, by.user_id, by.name, action, table, id);
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
      append_audit(conn, id, admin_name, "create_store", "users", id);
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

Actor RecordStore::authenticate(const std::string& name, const std::string& password) {
  Statement st(*impl_->conn, "SELECT id, role, password_hash FROM users WHERE name = ?");
  st.bind(1, name);
  const std::string failed = "authentication failed for user '" + name + "' in " + path();
  if (!st.step()) throw Error(failed);
  if (!password_matches(st.text(2), password)) throw Error(failed);
  return Actor{st.int64(0), name, role_from_string(st.text(1))};
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
  return report;
}

}  // namespace hdr::db
