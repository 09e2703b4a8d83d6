// One SQLite connection with parley's settings (WAL, foreign keys, 5 s busy timeout, synchronous=NORMAL)
// and a cache of prepared statements keyed by their SQL text.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <unordered_map>

#include "store/sql_connection.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace parley::store {

class SqliteConnection final : public SqlConnection {
 public:
  enum class Mode { read_write, read_only };
  // Opens (creating when missing) the file; throws DatabaseError when it cannot be opened or configured.
  // read_only: an existing file, opened without changing it (no WAL switch; writes fail).
  explicit SqliteConnection(const std::filesystem::path& path, Mode mode = Mode::read_write);
  ~SqliteConnection() override;
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  std::vector<SqlRow> query(std::string_view sql, const SqlParams& params = {}) override;
  void for_each_row(std::string_view sql, const SqlParams& params,
                    const std::function<bool(const SqlRow&)>& row) override;
  void execute_script(std::string_view sql) override;
  void begin_write() override;
  void commit() override;
  void rollback() noexcept override;

  sqlite3* handle() { return db_; }
  // The cached statement for `sql` with `params` bound, for hot loops that step it and read columns with
  // sqlite3_column_* (no copy of each row into an SqlRow). The caller resets it (sqlite3_reset) when done,
  // also on an exception, before the statement is used again.
  sqlite3_stmt* statement(std::string_view sql, const SqlParams& params = {}) { return bound(sql, params); }
  // Throws DatabaseError with SQLite's message for the connection's last failure (a step of statement()).
  [[noreturn]] void step_failed() const;

 private:
  sqlite3_stmt* prepared(std::string_view sql);
  // The cached statement for `sql` with `params` bound.
  sqlite3_stmt* bound(std::string_view sql, const SqlParams& params);
  // Reads the current row of `stmt` into `row`, reusing its strings' storage.
  static void read_row(sqlite3_stmt* stmt, int columns, SqlRow& row);
  [[noreturn]] void fail(std::string_view what) const;

  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

// Resets a cached statement (and clears its bindings) when the scope ends, also when a step throws, so that
// it can be used again.
class StatementScope {
 public:
  explicit StatementScope(sqlite3_stmt* stmt) : stmt_(stmt) {}
  StatementScope(const StatementScope&) = delete;
  StatementScope& operator=(const StatementScope&) = delete;
  ~StatementScope();

 private:
  sqlite3_stmt* stmt_;
};

// Copies a live database to `destination` with SQLite's online backup API (parley backup PATH), WAL content
// included.
void sqlite_backup(const std::filesystem::path& source, const std::filesystem::path& destination);

// Empty when `path` starts with SQLite's file header; otherwise why it is not a SQLite database file.
std::string sqlite_header_problem(const std::filesystem::path& path);
// The rows of PRAGMA integrity_check (or quick_check) that are not "ok": empty when the file is sound.
// Throws DatabaseError when the file cannot be opened or read at all.
std::vector<std::string> sqlite_integrity_problems(SqliteConnection& connection, bool quick = false);

}  // namespace parley::store
