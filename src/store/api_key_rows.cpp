// API key rows (store/api_key_repository.hpp): hashed keys with their settings and usage totals.
#include "core/clock.hpp"
#include "store/sql_repository.hpp"

namespace parley::store {

namespace {

std::optional<SystemTime> optional_time(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  return parse_stored_time(text);
}

}  // namespace

std::string SqlRepository::api_key_columns() const {
  return "id, name, key_prefix, settings, " + timestamp_text("created_at") + ", " +
         timestamp_text("revoked_at") + ", " + timestamp_text("last_used_at") +
         ", requests, prompt_tokens, completion_tokens, cost_nanodollars";
}

namespace {

ApiKeyRow api_key_from_row(const SqlRow& r) {
  ApiKeyRow k;
  k.id = r.text(0);
  k.name = r.text(1);
  k.key_prefix = r.text(2);
  k.settings = r.text(3);
  k.created_at = parse_stored_time(r.at(4));
  k.revoked_at = optional_time(r.at(5));
  k.last_used_at = optional_time(r.at(6));
  k.requests = r.integer(7);
  k.prompt_tokens = r.integer(8);
  k.completion_tokens = r.integer(9);
  k.cost_nanodollars = r.integer(10);
  return k;
}

}  // namespace

void SqlRepository::create_api_key(const ApiKeyRow& row, const std::string& key_hash) {
  auto c = pool_->writer();
  c->query(
      "INSERT INTO api_keys (id, key_hash, name, key_prefix, settings, created_at, requests, prompt_tokens, "
      "completion_tokens, cost_nanodollars) VALUES (?, ?, ?, ?, ?, ?, 0, 0, 0, 0)",
      {row.id, key_hash, row.name, row.key_prefix, row.settings, format_sql_utc(row.created_at)});
}

std::vector<ApiKeyRow> SqlRepository::list_api_keys() {
  auto c = pool_->reader();
  std::vector<ApiKeyRow> out;
  for (const auto& r :
       c->query("SELECT " + api_key_columns() + " FROM api_keys ORDER BY created_at DESC, id"))
    out.push_back(api_key_from_row(r));
  return out;
}

std::optional<ApiKeyRow> SqlRepository::find_api_key_by_hash(const std::string& key_hash) {
  auto c = pool_->reader();
  const auto rows = c->query("SELECT " + api_key_columns() + " FROM api_keys WHERE key_hash = ?", {key_hash});
  if (rows.empty()) return std::nullopt;
  return api_key_from_row(rows.front());
}

bool SqlRepository::revoke_api_key(const std::string& id, SystemTime at) {
  auto c = pool_->writer();
  return !c->query("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL RETURNING id",
                   {format_sql_utc(at), id})
              .empty();
}

void SqlRepository::record_api_key_usage(const std::string& id, const ApiKeyUsage& usage, SystemTime at) {
  auto c = pool_->writer();
  c->query(
      "UPDATE api_keys SET requests = requests + 1, prompt_tokens = prompt_tokens + ?, "
      "completion_tokens = completion_tokens + ?, cost_nanodollars = cost_nanodollars + ?, last_used_at = ? "
      "WHERE id = ?",
      {usage.prompt_tokens, usage.completion_tokens, usage.cost_nanodollars, format_sql_utc(at), id});
}

}  // namespace parley::store
