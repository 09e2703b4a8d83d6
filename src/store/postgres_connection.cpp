#include "store/postgres_connection.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <cctype>
#include <memory>

#include "store/repository.hpp"

namespace parley::store {

namespace {

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

std::string trimmed_error(const char* message) {
  std::string s = message ? message : "unknown error";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// libpq's default is to wait for ever on an unreachable host; a URL may still set its own connect_timeout.
pg_conn* connect_with_timeout(const std::string& url) {
  const char* keywords[] = {"connect_timeout", "dbname", nullptr};
  const char* values[] = {"10", url.c_str(), nullptr};
  return PQconnectdbParams(keywords, values, 1);
}

bool starts_with_word(std::string_view sql, std::string_view word) {
  std::size_t i = 0;
  while (i < sql.size() && std::isspace(static_cast<unsigned char>(sql[i]))) ++i;
  if (sql.size() - i < word.size()) return false;
  for (std::size_t k = 0; k < word.size(); ++k) {
    if (std::toupper(static_cast<unsigned char>(sql[i + k])) != word[k]) return false;
  }
  return true;
}

}  // namespace

bool is_plain_read(std::string_view sql) {
  if (!starts_with_word(sql, "SELECT")) return false;
  // Reads with side effects: locks, notifications, sequences.
  for (std::string_view effect : {"pg_advisory", "pg_try_advisory", "pg_notify", "nextval", "setval",
                                  "FOR UPDATE", "for update", "pg_terminate_backend", "pg_cancel_backend"}) {
    if (sql.find(effect) != std::string_view::npos) return false;
  }
  return true;
}

std::string number_placeholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int next = 1;
  char quote = 0;
  for (char c : sql) {
    if (quote) {
      if (c == quote) quote = 0;
      out += c;
    } else if (c == '\'' || c == '"') {
      quote = c;
      out += c;
    } else if (c == '?') {
      out += '$';
      out += std::to_string(next++);
    } else {
      out += c;
    }
  }
  return out;
}

PostgresConnection::PostgresConnection(const std::string& url) : url_(url) {
  ensure_connected();
}

PostgresConnection::~PostgresConnection() {
  if (conn_) PQfinish(conn_);
}

bool PostgresConnection::idle_connection_is_dead() {
  if (!conn_ || PQstatus(conn_) != CONNECTION_OK) return true;
  if (in_transaction_) return false;
  // An idle connection is sent nothing (no LISTEN here): anything readable is the server's goodbye, a FATAL
  // message and end of file after a restart or pg_terminate_backend, which libpq only notices once it reads.
  pollfd p{PQsocket(conn_), POLLIN, 0};
  return ::poll(&p, 1, 0) != 0;
}

void PostgresConnection::ensure_connected() {
  if (!idle_connection_is_dead()) return;
  // A transaction cannot survive a reconnect: fail it rather than run its remaining statements alone.
  if (in_transaction_) throw DatabaseError("the PostgreSQL connection was lost during a transaction");
  if (conn_) {
    PQfinish(conn_);
    conn_ = nullptr;
  }
  conn_ = connect_with_timeout(url_);
  if (PQstatus(conn_) != CONNECTION_OK) {
    const auto reason = trimmed_error(PQerrorMessage(conn_));
    PQfinish(conn_);
    conn_ = nullptr;
    throw DatabaseError("cannot connect to PostgreSQL: " + reason);
  }
  // Timestamps are exchanged as UTC text; notices (e.g. "relation already exists") stay out of stderr.
  PQsetNoticeProcessor(
      conn_, [](void*, const char*) {}, nullptr);
  ResultPtr r(PQexec(conn_, "SET TIME ZONE 'UTC'"));
  if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
    throw DatabaseError("PostgreSQL refused SET TIME ZONE: " + trimmed_error(PQerrorMessage(conn_)));
  }
}

const std::string& PostgresConnection::numbered(std::string_view sql) {
  const std::string key(sql);
  auto it = numbered_sql_.find(key);
  if (it == numbered_sql_.end()) it = numbered_sql_.emplace(key, number_placeholders(sql)).first;
  return it->second;
}

std::vector<SqlRow> PostgresConnection::query(std::string_view sql, const SqlParams& params) {
  ensure_connected();
  try {
    return run(sql, params);
  } catch (const DatabaseError&) {
    // The connection died under a statement that may or may not have run: only a plain read outside a
    // transaction is safe to repeat, once, on a fresh connection.
    if (in_transaction_ || PQstatus(conn_) == CONNECTION_OK || !is_plain_read(sql)) throw;
  }
  ensure_connected();
  return run(sql, params);
}

std::vector<SqlRow> PostgresConnection::run(std::string_view sql, const SqlParams& params) {
  std::vector<std::string> storage;
  storage.reserve(params.size());
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) {
    if (const auto* text = std::get_if<std::string>(&p)) {
      values.push_back(text->c_str());
    } else if (const auto* number = std::get_if<std::int64_t>(&p)) {
      storage.push_back(std::to_string(*number));
      values.push_back(storage.back().c_str());
    } else {
      values.push_back(nullptr);
    }
  }
  ResultPtr r(PQexecParams(conn_, numbered(sql).c_str(), static_cast<int>(values.size()), nullptr,
                           values.data(), nullptr, nullptr, 0));
  const auto status = PQresultStatus(r.get());
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    throw DatabaseError("PostgreSQL statement failed: " + trimmed_error(PQerrorMessage(conn_)));
  }
  std::vector<SqlRow> rows;
  const int n = PQntuples(r.get());
  const int columns = PQnfields(r.get());
  rows.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    SqlRow row;
    row.values.reserve(static_cast<std::size_t>(columns));
    for (int c = 0; c < columns; ++c) {
      if (PQgetisnull(r.get(), i, c)) {
        row.values.emplace_back(std::nullopt);
      } else {
        row.values.emplace_back(
            std::string(PQgetvalue(r.get(), i, c), static_cast<std::size_t>(PQgetlength(r.get(), i, c))));
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

void PostgresConnection::execute_script(std::string_view sql) {
  ensure_connected();
  const std::string text(sql);
  ResultPtr r(PQexec(conn_, text.c_str()));
  const auto status = PQresultStatus(r.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    throw DatabaseError("PostgreSQL script failed: " + trimmed_error(PQerrorMessage(conn_)));
  }
}

void PostgresConnection::begin_write() {
  try {
    execute_script("BEGIN");
  } catch (const DatabaseError&) {
    // BEGIN on its own changes nothing, so when the connection died under it, a fresh one may begin again.
    if (PQstatus(conn_) == CONNECTION_OK) throw;
    execute_script("BEGIN");
  }
  in_transaction_ = true;
}
void PostgresConnection::commit() {
  execute_script("COMMIT");
  in_transaction_ = false;
}
void PostgresConnection::rollback() noexcept {
  in_transaction_ = false;
  if (conn_ && PQstatus(conn_) == CONNECTION_OK && PQtransactionStatus(conn_) != PQTRANS_IDLE) {
    PGresult* r = PQexec(conn_, "ROLLBACK");
    PQclear(r);
  }
}

}  // namespace parley::store
