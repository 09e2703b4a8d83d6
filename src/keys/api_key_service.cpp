#include "keys/api_key_service.hpp"

#include <openssl/sha.h>

#include <cctype>

#include "core/ids.hpp"
#include "core/json.hpp"
#include "core/secret_values.hpp"

namespace parley::keys {

namespace bj = boost::json;

namespace {

constexpr std::size_t kMaxKeyLength = 200;

std::string sha256_hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return to_hex(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

ApiKey from_row(store::ApiKeyRow row) {
  ApiKey k;
  k.settings = settings_from_stored(row.settings);
  k.row = std::move(row);
  return k;
}

// "Bearer <key>" (scheme case-insensitive) -> the key; empty when the header is something else.
std::string_view bearer_value(std::string_view header) {
  constexpr std::string_view scheme = "bearer ";
  if (header.size() <= scheme.size()) return {};
  for (std::size_t i = 0; i < scheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(header[i])) != scheme[i]) return {};
  }
  auto v = header.substr(scheme.size());
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  return v;
}

}  // namespace

bj::object ApiKey::to_json() const {
  bj::object o;
  o["id"] = row.id;
  o["name"] = row.name;
  o["key_prefix"] = row.key_prefix;
  o["created_at"] = format_iso_utc_z(row.created_at);
  o["revoked_at"] = row.revoked_at ? bj::value(format_iso_utc_z(*row.revoked_at)) : bj::value(nullptr);
  o["last_used_at"] = row.last_used_at ? bj::value(format_iso_utc_z(*row.last_used_at)) : bj::value(nullptr);
  auto s = settings.to_json();
  for (auto& kv : s) o[kv.key()] = kv.value();
  o["usage"] = bj::object{{"requests", row.requests},
                          {"prompt_tokens", row.prompt_tokens},
                          {"completion_tokens", row.completion_tokens},
                          {"cost_usd", nanodollars_to_usd(row.cost_nanodollars)}};
  return o;
}

CreatedKey ApiKeyService::create(const NewApiKey& request) {
  const auto bytes = random_bytes(32);
  std::string secret(kPrefix);
  secret += base64url_encode(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  const auto id_bytes = random_bytes(6);
  store::ApiKeyRow row;
  row.id = to_hex(std::string_view(reinterpret_cast<const char*>(id_bytes.data()), id_bytes.size()));
  row.name = request.name;
  // Enough to tell keys apart in a list; the rest stays secret.
  row.key_prefix = secret.substr(0, kPrefix.size() + 4) + "..." + secret.substr(secret.size() - 4);
  row.settings = json::serialize(request.settings.to_json());
  row.created_at = std::chrono::floor<std::chrono::seconds>(clock_());
  repository_.create_api_key(row, sha256_hex(secret));
  known_secrets().set("api_key:" + row.id, secret);
  return {from_row(std::move(row)), std::move(secret)};
}

std::vector<ApiKey> ApiKeyService::list() {
  std::vector<ApiKey> out;
  for (auto& r : repository_.list_api_keys()) out.push_back(from_row(std::move(r)));
  return out;
}

bool ApiKeyService::revoke(const std::string& id) {
  return repository_.revoke_api_key(id, clock_());
}

std::optional<ApiKey> ApiKeyService::find(std::string_view authorization_header) {
  const auto secret = bearer_value(authorization_header);
  if (!secret.starts_with(kPrefix) || secret.size() > kMaxKeyLength) return std::nullopt;
  // The lookup is by hash: comparing hashes reveals nothing about the key through timing.
  auto row = repository_.find_api_key_by_hash(sha256_hex(secret));
  if (!row) return std::nullopt;
  // Masked wherever parley writes text, should a client or provider echo it back.
  if (!row->revoked_at) known_secrets().set("api_key:" + row->id, std::string(secret));
  return from_row(std::move(*row));
}

void ApiKeyService::record_usage(const std::string& id, const store::ApiKeyUsage& usage) {
  repository_.record_api_key_usage(id, usage, clock_());
}

// The lambdas are named locals, not temporaries inside co_await (g++ 12, docs/architecture.md).
boost::asio::awaitable<CreatedKey> ApiKeyService::create_async(NewApiKey request) {
  auto job = [this, request = std::move(request)] { return create(request); };
  co_return co_await blocking_->run(std::move(job));
}

boost::asio::awaitable<std::vector<ApiKey>> ApiKeyService::list_async() {
  auto job = [this] { return list(); };
  co_return co_await blocking_->run(std::move(job));
}

boost::asio::awaitable<bool> ApiKeyService::revoke_async(std::string id) {
  auto job = [this, id = std::move(id)] { return revoke(id); };
  co_return co_await blocking_->run(std::move(job));
}

boost::asio::awaitable<std::optional<ApiKey>> ApiKeyService::find_async(std::string authorization_header) {
  auto job = [this, header = std::move(authorization_header)] { return find(header); };
  co_return co_await blocking_->run(std::move(job));
}

boost::asio::awaitable<void> ApiKeyService::record_usage_async(std::string id, store::ApiKeyUsage usage) {
  auto job = [this, id = std::move(id), usage] { record_usage(id, usage); };
  co_await blocking_->run(std::move(job));
}

}  // namespace parley::keys
