#include "store/sqlite_connection.hpp"

#include <fstream>

#include "core/atomic_file.hpp"

#include <sqlite3.h>

#include "store/repository.hpp"
#include "store/search_text.hpp"

namespace parley::store {

namespace {

// parley_contains(haystack, needle): case-insensitive substring test for title search (§8.1); SQLite's own
// LIKE folds ASCII only.
void contains_function(sqlite3_context* ctx, int, sqlite3_value** args) {
  const auto* haystack = sqlite3_value_text(args[0]);
  const auto* needle = sqlite3_value_text(args[1]);
  if (!haystack || !needle) {
    sqlite3_result_int(ctx, 0);
    return;
  }
  const std::string_view h(reinterpret_cast<const char*>(haystack),
                           static_cast<std::size_t>(sqlite3_value_bytes(args[0])));
  const std::string_view n(reinterpret_cast<const char*>(needle),
                           static_cast<std::size_t>(sqlite3_value_bytes(args[1])));
  sqlite3_result_int(ctx, contains_case_insensitive(h, n) ? 1 : 0);
}

// Returns the path of a file SQLite could not open as a readable reason.
std::string open_error(sqlite3* db, const std::filesystem::path& path) {
  std::string reason = db ? sqlite3_errmsg(db) : "out of memory";
  return "cannot open SQLite database " + path.string() + ": " + reason;
}

}  // namespace

SqliteConnection::SqliteConnection(const std::filesystem::path& path, Mode mode) {
  const int flags = mode == Mode::read_only
                        ? SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX
                        : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    const auto message = open_error(db_, path);
    sqlite3_close(db_);
    db_ = nullptr;
    throw DatabaseError(message);
  }
  sqlite3_extended_result_codes(db_, 1);
  // Concurrent writers from other processes (parley backup, a second tool) wait instead of failing.
  sqlite3_busy_timeout(db_, 10000);
  execute_script("PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;");
  sqlite3_create_function_v2(db_, "parley_contains", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr,
                             contains_function, nullptr, nullptr, nullptr);
  if (mode == Mode::read_only) return;
  auto journal = query("PRAGMA journal_mode=WAL");
  if (journal.empty() || journal.front().text(0) != "wal") {
    throw DatabaseError("cannot switch " + path.string() + " to WAL mode (is it on a network file system?)");
  }
}

SqliteConnection::~SqliteConnection() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

void SqliteConnection::fail(std::string_view what) const {
  throw DatabaseError(std::string(what) + ": " + sqlite3_errmsg(db_));
}

sqlite3_stmt* SqliteConnection::prepared(std::string_view sql) {
  const std::string key(sql);
  if (auto it = statements_.find(key); it != statements_.end()) return it->second;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, key.c_str(), static_cast<int>(key.size()), SQLITE_PREPARE_PERSISTENT, &stmt,
                         nullptr) != SQLITE_OK) {
    fail("SQLite cannot prepare statement");
  }
  statements_.emplace(key, stmt);
  return stmt;
}

sqlite3_stmt* SqliteConnection::bound(std::string_view sql, const SqlParams& params) {
  sqlite3_stmt* stmt = prepared(sql);
  for (std::size_t i = 0; i < params.size(); ++i) {
    const int index = static_cast<int>(i + 1);
    int rc = SQLITE_OK;
    if (const auto* text = std::get_if<std::string>(&params[i])) {
      rc = sqlite3_bind_text64(stmt, index, text->data(), text->size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    } else if (const auto* number = std::get_if<std::int64_t>(&params[i])) {
      rc = sqlite3_bind_int64(stmt, index, *number);
    } else {
      rc = sqlite3_bind_null(stmt, index);
    }
    if (rc != SQLITE_OK) {
      sqlite3_reset(stmt);
      sqlite3_clear_bindings(stmt);
      fail("SQLite cannot bind a parameter");
    }
  }
  return stmt;
}

void SqliteConnection::read_row(sqlite3_stmt* stmt, int columns, SqlRow& row) {
  row.values.resize(static_cast<std::size_t>(columns));
  for (int c = 0; c < columns; ++c) {
    auto& value = row.values[static_cast<std::size_t>(c)];
    if (sqlite3_column_type(stmt, c) == SQLITE_NULL) {
      value.reset();
    } else {
      const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
      const auto size = static_cast<std::size_t>(sqlite3_column_bytes(stmt, c));
      if (value) {
        value->assign(data, size);
      } else {
        value.emplace(data, size);
      }
    }
  }
}

StatementScope::~StatementScope() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

void SqliteConnection::step_failed() const {
  throw DatabaseError(std::string("SQLite statement failed: ") + sqlite3_errmsg(db_));
}

std::vector<SqlRow> SqliteConnection::query(std::string_view sql, const SqlParams& params) {
  sqlite3_stmt* stmt = bound(sql, params);
  StatementScope reset{stmt};
  std::vector<SqlRow> rows;
  const int columns = sqlite3_column_count(stmt);
  for (;;) {
    const int rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) fail("SQLite statement failed");
    read_row(stmt, columns, rows.emplace_back());
  }
  return rows;
}

void SqliteConnection::for_each_row(std::string_view sql, const SqlParams& params,
                                    const std::function<bool(const SqlRow&)>& row) {
  sqlite3_stmt* stmt = bound(sql, params);
  StatementScope reset{stmt};
  const int columns = sqlite3_column_count(stmt);
  SqlRow current;
  for (;;) {
    const int rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) fail("SQLite statement failed");
    read_row(stmt, columns, current);
    if (!row(current)) break;
  }
}

void SqliteConnection::execute_script(std::string_view sql) {
  const std::string text(sql);
  char* error = nullptr;
  if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error ? error : "unknown error";
    sqlite3_free(error);
    throw DatabaseError("SQLite script failed: " + message);
  }
}

// Prepared once and kept with the connection's other statements: sqlite3_exec compiled these anew for every
// transaction, two of each turn's writes (P1).
void SqliteConnection::begin_write() {
  query("BEGIN IMMEDIATE");
}
void SqliteConnection::commit() {
  query("COMMIT");
}
void SqliteConnection::rollback() noexcept {
  if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

void sqlite_backup(const std::filesystem::path& source, const std::filesystem::path& destination) {
  if (!std::filesystem::exists(source)) throw DatabaseError("no database at " + source.string());
  SqliteConnection from(source);
  ensure_private_file(destination);  // a copy of the history is as private as the history
  sqlite3* to = nullptr;
  if (sqlite3_open_v2(destination.c_str(), &to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    const auto message = open_error(to, destination);
    sqlite3_close(to);
    throw DatabaseError(message);
  }
  sqlite3_backup* backup = sqlite3_backup_init(to, "main", from.handle(), "main");
  if (!backup) {
    const std::string message = sqlite3_errmsg(to);
    sqlite3_close(to);
    throw DatabaseError("cannot start the backup into " + destination.string() + ": " + message);
  }
  // Copy in steps so writers of a serving parley are only paused briefly between them.
  int rc = SQLITE_OK;
  do {
    rc = sqlite3_backup_step(backup, 256);
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) sqlite3_sleep(50);
  } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
  sqlite3_backup_finish(backup);
  const std::string message = sqlite3_errmsg(to);
  sqlite3_close(to);
  if (rc != SQLITE_DONE) throw DatabaseError("backup into " + destination.string() + " failed: " + message);
}

std::string sqlite_header_problem(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "cannot read " + path.string();
  char header[16] = {};
  in.read(header, sizeof header);
  if (in.gcount() == 0) return path.string() + " is empty";
  if (in.gcount() < 16 || std::string_view(header, 16) != std::string_view("SQLite format 3\0", 16))
    return path.string() + " is not a SQLite database (no SQLite file header)";
  return {};
}

std::vector<std::string> sqlite_integrity_problems(SqliteConnection& c, bool quick) {
  std::vector<std::string> problems;
  for (const auto& row : c.query(quick ? "PRAGMA quick_check" : "PRAGMA integrity_check")) {
    const auto text = row.at(0).value_or(std::string());
    if (text != "ok") problems.push_back(text);
  }
  return problems;
}

}  // namespace parley::store
