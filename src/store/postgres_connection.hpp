// One libpq connection: `?` placeholders rewritten to $n once per statement text, parameters always bound
// as text, results read as text. A connection found dead before a statement (server restarted, backend
// terminated) is replaced before anything is sent; a plain read that lost its connection is run again once.
#pragma once

#include <string>
#include <unordered_map>

#include "store/sql_connection.hpp"

struct pg_conn;

namespace parley::store {

class PostgresConnection final : public SqlConnection {
 public:
  // Connects; throws DatabaseError naming the server's reason (never the password).
  explicit PostgresConnection(const std::string& url);
  ~PostgresConnection() override;
  PostgresConnection(const PostgresConnection&) = delete;
  PostgresConnection& operator=(const PostgresConnection&) = delete;

  std::vector<SqlRow> query(std::string_view sql, const SqlParams& params = {}) override;
  void execute_script(std::string_view sql) override;
  void begin_write() override;
  void commit() override;
  void rollback() noexcept override;

 private:
  void ensure_connected();
  [[nodiscard]] bool idle_connection_is_dead();
  std::vector<SqlRow> run(std::string_view sql, const SqlParams& params);
  const std::string& numbered(std::string_view sql);

  std::string url_;
  pg_conn* conn_ = nullptr;
  bool in_transaction_ = false;
  std::unordered_map<std::string, std::string> numbered_sql_;
};

// A SELECT without side effects (no advisory lock, notification or sequence): safe to run twice.
bool is_plain_read(std::string_view sql);

// "?" -> "$1", "$2", ... outside quoted literals.
std::string number_placeholders(std::string_view sql);

}  // namespace parley::store
