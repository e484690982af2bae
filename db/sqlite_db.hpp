#pragma once
// A thin RAII layer over the SQLite C API: one connection, prepared statements with typed
// binds and columns, and a write transaction that rolls back unless committed. Every SQLite
// failure becomes hdr::Error naming the database file and SQLite's message. SQLite appears
// only in db/.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

struct sqlite3;
struct sqlite3_stmt;

namespace hdr::db {

class Connection;

class Statement {
 public:
  Statement(Connection& conn, std::string_view sql);
  Statement(Statement&&) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Parameters are 1-based, as in SQLite.
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
  Statement& bind(int index, double value);
  Statement& bind(int index, const std::string& value);
  Statement& bind(int index, const char* value) { return bind(index, std::string(value)); }
  Statement& bind_null(int index);
  Statement& bind(int index, const std::optional<std::string>& value);

  // true while a row is available; false when done.
  bool step();
  // Runs a statement that returns no rows (or ignores them).
  void run();
  void reset();

  int column_count() const;
  bool is_null(int col) const;
  std::int64_t int64(int col) const;
  int int32(int col) const;
  double real(int col) const;
  std::string text(int col) const;
  std::optional<std::string> optional_text(int col) const;
  // The current row as a JSON object {column name: value} with SQLite's stored types
  // (INTEGER -> integer, REAL -> number, TEXT -> string, NULL -> null, BLOB -> hex string).
  nlohmann::json row_json() const;

 private:
  Connection* conn_;
  sqlite3_stmt* stmt_ = nullptr;
};

class Connection {
 public:
  enum class Mode { read_write_existing, create_new };
  Connection(const std::string& path, Mode mode);
  Connection(Connection&&) = delete;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  void exec(const std::string& sql);
  std::int64_t pragma_int(const std::string& name);
  std::int64_t last_insert_rowid() const;
  int changes() const;
  const std::string& path() const { return path_; }
  sqlite3* raw() { return db_; }
  [[noreturn]] void fail(const std::string& what) const;

 private:
  std::string path_;
  sqlite3* db_ = nullptr;
};

// BEGIN IMMEDIATE on construction (takes the write lock up front, so a writer never fails
// half way on a lock upgrade); ROLLBACK on destruction unless commit() was called.
class WriteTransaction {
 public:
  explicit WriteTransaction(Connection& conn);
  WriteTransaction(const WriteTransaction&) = delete;
  WriteTransaction& operator=(const WriteTransaction&) = delete;
  ~WriteTransaction();
  void commit();

 private:
  Connection& conn_;
  bool done_ = false;
};

}  // namespace hdr::db
