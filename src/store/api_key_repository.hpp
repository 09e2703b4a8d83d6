// API keys of the OpenAI-compatible API (docs/openai-api.md): only the SHA-256 hash of a key is kept, with
// its name, its settings (model allow-list, MCP servers, spending cap, history) and its usage totals, so that
// every replica on PostgreSQL sees the same keys and the same spending. Blocking; a failing database throws
// DatabaseError.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/records.hpp"

namespace parley::store {

struct ApiKeyRow {
  std::string id;  // public identifier (12 hex characters), used to revoke
  std::string name;
  std::string key_prefix;  // what the list shows of the key, e.g. "sk-parley-AbCd…wXyz"
  std::string settings;    // JSON text of the key's settings (keys/api_key_settings.hpp)
  SystemTime created_at{};
  std::optional<SystemTime> revoked_at;
  std::optional<SystemTime> last_used_at;
  std::int64_t requests = 0;
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  std::int64_t cost_nanodollars = 0;  // upstream cost in 1e-9 USD: integer sums agree on every replica
};

struct ApiKeyUsage {
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  std::int64_t cost_nanodollars = 0;
};

class ApiKeyRepository {
 public:
  virtual ~ApiKeyRepository() = default;
  virtual void create_api_key(const ApiKeyRow& row, const std::string& key_hash) = 0;
  // Newest first, revoked keys included.
  virtual std::vector<ApiKeyRow> list_api_keys() = 0;
  // The key whose hash this is (revoked ones included; the caller decides).
  virtual std::optional<ApiKeyRow> find_api_key_by_hash(const std::string& key_hash) = 0;
  // False when no key has this id or it was already revoked.
  virtual bool revoke_api_key(const std::string& id, SystemTime at) = 0;
  // Adds one request's usage to the key's totals (an atomic increment: concurrent replicas add up).
  virtual void record_api_key_usage(const std::string& id, const ApiKeyUsage& usage, SystemTime at) = 0;
};

}  // namespace parley::store
