// Optional authentication (api.md §0.7, §8.8): bearer token or password login with a session cookie whose
// SHA-256 hash is stored; login attempts rate-limited per client address.
#pragma once

#include <chrono>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "auth/password_store.hpp"
#include "auth/session_store.hpp"
#include "core/config.hpp"

namespace parley::auth {

constexpr const char* kCookieName = "parley_session";

struct LoginOutcome {
  enum class Kind { ok, no_auth, invalid, rate_limited } kind = Kind::invalid;
  std::string token;            // the new session token (ok)
  int retry_after_seconds = 0;  // rate_limited
};

class AuthService {
 public:
  AuthService(const Config& config, PasswordStore& passwords, SessionStore* sessions);

  // Authentication is configured: a token is set or a password hash exists.
  [[nodiscard]] bool configured() const;
  // Blocking (may query the session store): the bearer token or the cookie's session is valid.
  bool authenticate(std::string_view authorization_header, std::string_view cookie_header);
  // Blocking. `client` is the address used for rate limiting.
  LoginOutcome login(std::string_view password, const std::string& client, const std::string& user_agent);
  // Blocking. Deletes the session of the cookie, if any.
  void logout(std::string_view cookie_header);
  [[nodiscard]] std::string session_cookie(const std::string& token, bool secure) const;
  [[nodiscard]] std::string expired_cookie(bool secure) const;
  // Re-reads the password hash (after `parley passwd`); a store that cannot be read keeps the last one.
  void reload_password();

  static std::optional<std::string> cookie_value(std::string_view cookie_header, std::string_view name);

 private:
  bool rate_limited(const std::string& client, int* retry_after);
  void record_failure(const std::string& client);

  const Config& config_;
  PasswordStore& passwords_;
  SessionStore* sessions_;
  mutable std::mutex mutex_;
  std::optional<std::string> password_hash_;
  std::map<std::string, std::deque<std::chrono::steady_clock::time_point>> failures_;
  // Recently validated cookie hashes -> (expiry, when checked), so most requests skip the store.
  std::map<std::string, std::pair<SystemTime, std::chrono::steady_clock::time_point>> validated_;
};

}  // namespace parley::auth
