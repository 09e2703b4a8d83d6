// API keys of the OpenAI-compatible API (docs/openai-api.md): created with a random secret that is shown once
// and stored as its SHA-256 hash, listed with their usage, revoked, checked on every request (in the
// database, so a key revoked on one replica is refused by all), and charged with each request's upstream
// usage.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/blocking.hpp"
#include "core/clock.hpp"
#include "keys/api_key_settings.hpp"
#include "store/api_key_repository.hpp"

namespace parley::keys {

struct ApiKey {
  store::ApiKeyRow row;
  ApiKeySettings settings;

  [[nodiscard]] bool revoked() const { return row.revoked_at.has_value(); }
  [[nodiscard]] bool over_cap() const {
    return settings.spending_cap_nanodollars && row.cost_nanodollars >= *settings.spending_cap_nanodollars;
  }
  // The list entry of the keys routes and CLI: never the key or its hash.
  [[nodiscard]] boost::json::object to_json() const;
};

struct CreatedKey {
  ApiKey key;
  std::string secret;  // the key itself: shown once, never stored
};

class ApiKeyService {
 public:
  ApiKeyService(store::ApiKeyRepository& repository, BlockingPool* blocking,
                WallClock clock = system_wall_clock())
      : repository_(repository), blocking_(blocking), clock_(std::move(clock)) {}

  // Blocking.
  CreatedKey create(const NewApiKey& request);
  std::vector<ApiKey> list();
  bool revoke(const std::string& id);
  // The key of an `Authorization: Bearer <key>` header value, revoked or not; nullopt for anything else.
  std::optional<ApiKey> find(std::string_view authorization_header);
  void record_usage(const std::string& id, const store::ApiKeyUsage& usage);

  // The same on the blocking pool (needs one).
  boost::asio::awaitable<CreatedKey> create_async(NewApiKey request);
  boost::asio::awaitable<std::vector<ApiKey>> list_async();
  boost::asio::awaitable<bool> revoke_async(std::string id);
  boost::asio::awaitable<std::optional<ApiKey>> find_async(std::string authorization_header);
  boost::asio::awaitable<void> record_usage_async(std::string id, store::ApiKeyUsage usage);

  // "sk-parley-" + 43 base64url characters (32 random bytes).
  static constexpr std::string_view kPrefix = "sk-parley-";

 private:
  store::ApiKeyRepository& repository_;
  BlockingPool* blocking_;
  WallClock clock_;
};

}  // namespace parley::keys
