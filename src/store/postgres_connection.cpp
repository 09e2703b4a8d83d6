#include "store/postgres_connection.hpp"

#include <libpq-fe.h>

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

}  // namespace

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

void PostgresConnection::ensure_connected() {
  if (conn_ && PQstatus(conn_) == CONNECTION_OK) return;
  // A transaction cannot survive a reconnect: fail it rather than run its remaining statements alone.
  if (in_transaction_) throw DatabaseError("the PostgreSQL connection was lost during a transaction");
  if (conn_) {
    PQreset(conn_);
    if (PQstatus(conn_) == CONNECTION_OK) return;
    PQfinish(conn_);
    conn_ = nullptr;
  }
  conn_ = PQconnectdb(url_.c_str());
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
  execute_script("BEGIN");
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
