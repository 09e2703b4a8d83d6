// A minimal SQL connection both backends implement, so the repository's logic is written once: statements
// use `?` placeholders, every parameter is bound (text, integer or NULL) and every column comes back as text.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace parley::store {

using SqlParam = std::variant<std::nullptr_t, std::string, std::int64_t>;
using SqlParams = std::vector<SqlParam>;

inline SqlParam optional_text(const std::optional<std::string>& v) {
  if (v) return *v;
  return nullptr;
}

struct SqlRow {
  std::vector<std::optional<std::string>> values;

  [[nodiscard]] const std::optional<std::string>& at(std::size_t i) const { return values.at(i); }
  [[nodiscard]] std::string text(std::size_t i) const { return values.at(i).value_or(std::string()); }
  [[nodiscard]] std::int64_t integer(std::size_t i) const;
};

class SqlConnection {
 public:
  virtual ~SqlConnection() = default;
  // Runs one statement; throws DatabaseError with the database's message on failure.
  virtual std::vector<SqlRow> query(std::string_view sql, const SqlParams& params = {}) = 0;
  // Runs one statement and hands each row to `row` until it returns false, without keeping the rows: for
  // results too large to hold, or read only until enough is found. The row is valid during the call only.
  virtual void for_each_row(std::string_view sql, const SqlParams& params,
                            const std::function<bool(const SqlRow&)>& row);
  // Runs a script of several statements without parameters (migrations).
  virtual void execute_script(std::string_view sql) = 0;
  // BEGIN for writes: SQLite takes the write lock at once (BEGIN IMMEDIATE) so it never fails mid-way.
  virtual void begin_write() = 0;
  virtual void commit() = 0;
  virtual void rollback() noexcept = 0;
};

// Commits on commit(); rolls back when destroyed without it (an exception left the scope).
class Transaction {
 public:
  explicit Transaction(SqlConnection& c) : connection_(c) { connection_.begin_write(); }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction() {
    if (!done_) connection_.rollback();
  }
  void commit() {
    connection_.commit();
    done_ = true;
  }

 private:
  SqlConnection& connection_;
  bool done_ = false;
};

}  // namespace parley::store
