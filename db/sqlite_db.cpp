#include "db/sqlite_db.hpp"

#include <sqlite3.h>

#include "planner/common/error.hpp"

namespace hdr::db {

Connection::Connection(const std::string& path, Mode mode) : path_(path) {
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX |
                    (mode == Mode::create_new ? SQLITE_OPEN_CREATE : 0);
  const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    const std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw Error(path + ": cannot open the record store: " + msg);
  }
  sqlite3_extended_result_codes(db_, 1);
}

Connection::~Connection() {
  if (db_) sqlite3_close_v2(db_);
}

void Connection::fail(const std::string& what) const {
  throw Error(path_ + ": " + what + ": " + (db_ ? sqlite3_errmsg(db_) : "no connection"));
}

void Connection::exec(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    const std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    throw Error(path_ + ": " + msg + " (in: " + sql.substr(0, 60) + ")");
  }
}

std::int64_t Connection::pragma_int(const std::string& name) {
  Statement st(*this, "PRAGMA " + name);
  if (!st.step()) fail("PRAGMA " + name + " returned nothing");
  return st.int64(0);
}

std::int64_t Connection::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
int Connection::changes() const { return sqlite3_changes(db_); }

Statement::Statement(Connection& conn, std::string_view sql) : conn_(&conn) {
  if (sqlite3_prepare_v2(conn.raw(), sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr) != SQLITE_OK)
    conn.fail("cannot prepare '" + std::string(sql.substr(0, 60)) + "'");
}

Statement::Statement(Statement&& o) noexcept : conn_(o.conn_), stmt_(o.stmt_) { o.stmt_ = nullptr; }

Statement::~Statement() {
  if (stmt_) sqlite3_finalize(stmt_);
}

Statement& Statement::bind(int index, std::int64_t value) {
  if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) conn_->fail("bind");
  return *this;
}
Statement& Statement::bind(int index, double value) {
  if (sqlite3_bind_double(stmt_, index, value) != SQLITE_OK) conn_->fail("bind");
  return *this;
}
Statement& Statement::bind(int index, const std::string& value) {
  if (sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT) != SQLITE_OK)
    conn_->fail("bind");
  return *this;
}
Statement& Statement::bind_null(int index) {
  if (sqlite3_bind_null(stmt_, index) != SQLITE_OK) conn_->fail("bind");
  return *this;
}
Statement& Statement::bind(int index, const std::optional<std::string>& value) {
  return value ? bind(index, *value) : bind_null(index);
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  conn_->fail("statement failed");
}

void Statement::run() {
  while (step()) {
  }
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

int Statement::column_count() const { return sqlite3_column_count(stmt_); }
bool Statement::is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
std::int64_t Statement::int64(int col) const { return sqlite3_column_int64(stmt_, col); }
int Statement::int32(int col) const { return sqlite3_column_int(stmt_, col); }
double Statement::real(int col) const { return sqlite3_column_double(stmt_, col); }

std::string Statement::text(int col) const {
  const unsigned char* t = sqlite3_column_text(stmt_, col);
  if (!t) return {};
  return std::string(reinterpret_cast<const char*>(t), static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}

std::optional<std::string> Statement::optional_text(int col) const {
  if (is_null(col)) return std::nullopt;
  return text(col);
}

nlohmann::json Statement::row_json() const {
  nlohmann::json row = nlohmann::json::object();
  const int n = column_count();
  for (int c = 0; c < n; ++c) {
    const char* name = sqlite3_column_name(stmt_, c);
    switch (sqlite3_column_type(stmt_, c)) {
      case SQLITE_INTEGER: row[name] = int64(c); break;
      case SQLITE_FLOAT: row[name] = real(c); break;
      case SQLITE_TEXT: row[name] = text(c); break;
      case SQLITE_NULL: row[name] = nullptr; break;
      default: {
        const auto* b = static_cast<const unsigned char*>(sqlite3_column_blob(stmt_, c));
        const int len = sqlite3_column_bytes(stmt_, c);
        static const char* hex = "0123456789abcdef";
        std::string s;
        for (int i = 0; i < len; ++i) {
          s += hex[b[i] >> 4];
          s += hex[b[i] & 15];
        }
        row[name] = "blob:" + s;
      }
    }
  }
  return row;
}

WriteTransaction::WriteTransaction(Connection& conn) : conn_(conn) { conn_.exec("BEGIN IMMEDIATE"); }

WriteTransaction::~WriteTransaction() {
  if (!done_) sqlite3_exec(conn_.raw(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void WriteTransaction::commit() {
  conn_.exec("COMMIT");
  done_ = true;
}

}  // namespace hdr::db
