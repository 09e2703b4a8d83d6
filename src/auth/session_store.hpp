// Storage of login sessions (api.md §0.7, §5.2 auth_sessions): only the SHA-256 hash of a cookie token is
// kept, so any replica can validate it. Implemented by the SQLite and PostgreSQL repositories.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace parley::auth {

using SystemTime = std::chrono::system_clock::time_point;

class SessionStore {
 public:
  virtual ~SessionStore() = default;
  virtual void create_session(const std::string& token_hash, SystemTime created_at, SystemTime expires_at,
                              const std::string& user_agent) = 0;
  // The session's expiry when it exists (expired ones included; the caller compares).
  virtual std::optional<SystemTime> find_session(const std::string& token_hash) = 0;
  virtual void touch_session(const std::string& token_hash, SystemTime seen_at) = 0;
  virtual void delete_session(const std::string& token_hash) = 0;
  virtual void delete_all_sessions() = 0;
  virtual int delete_expired_sessions(SystemTime now) = 0;
};

}  // namespace parley::auth
