// Login sessions (api.md §0.7, §5.2 auth_sessions): only the SHA-256 hash of a cookie token is kept, so any
// replica can validate it. auth/ reaches these rows through its own SessionStore interface, which app/ adapts
// onto this one (store/ does not depend on auth/). Blocking; a failing database throws DatabaseError.
#pragma once

#include <optional>
#include <string>

#include "store/records.hpp"

namespace parley::store {

class LoginSessionRepository {
 public:
  virtual ~LoginSessionRepository() = default;
  virtual void create_session(const std::string& token_hash, SystemTime created_at, SystemTime expires_at,
                              const std::string& user_agent) = 0;
  // The session's expiry when it exists (expired ones included; the caller compares).
  virtual std::optional<SystemTime> find_session(const std::string& token_hash) = 0;
  virtual void touch_session(const std::string& token_hash, SystemTime seen_at) = 0;
  virtual void delete_session(const std::string& token_hash) = 0;
  virtual void delete_all_sessions() = 0;
  virtual int delete_expired_sessions(SystemTime now) = 0;
};

}  // namespace parley::store
