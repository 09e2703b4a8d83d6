// Optional authentication (api.md §0.7, §8.8): bearer token or password login with a session cookie whose
// SHA-256 hash is stored; login attempts rate-limited per client address, and password checks (PBKDF2, costly
// on purpose) capped globally. A session is bound to the credentials it was issued under: changing
// PARLEY_AUTH_TOKEN or the password ends every session.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "auth/password_store.hpp"
#include "auth/session_store.hpp"
#include "core/blocking.hpp"
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
  // The awaitable checks run the blocking ones on `blocking`.
  AuthService(const Config& config, PasswordStore& passwords, SessionStore* sessions, BlockingPool& blocking);

  // Authentication is configured: a token is set or a password hash exists.
  [[nodiscard]] bool configured() const;
  // Blocking (may query the session store): the bearer token or the cookie's session is valid.
  bool authenticate(std::string_view authorization_header, std::string_view cookie_header);
  // Blocking. `client` is the address used for rate limiting.
  LoginOutcome login(std::string_view password, const std::string& client, const std::string& user_agent);
  // Blocking. Deletes the session of the cookie, if any.
  void logout(std::string_view cookie_header);
  // The same, awaitable (the session store and the password hash run on the blocking pool).
  boost::asio::awaitable<bool> check(std::string authorization_header, std::string cookie_header);
  boost::asio::awaitable<LoginOutcome> try_login(std::string password, std::string client,
                                                 std::string user_agent);
  boost::asio::awaitable<void> end_session(std::string cookie_header);
  [[nodiscard]] std::string session_cookie(const std::string& token, bool secure) const;
  [[nodiscard]] std::string expired_cookie(bool secure) const;
  // Re-reads the password hash (after `parley passwd`); a store that cannot be read keeps the last one.
  void reload_password();

  static std::optional<std::string> cookie_value(std::string_view cookie_header, std::string_view name);

  // Password checks that may run at once, process-wide; more are answered "too many attempts" at once.
  static constexpr int kMaxConcurrentPasswordChecks = 2;

 private:
  // Reserves one of the client's attempts of the window (so concurrent attempts count before they finish);
  // false with the wait when none is left.
  bool reserve_attempt(const std::string& client, std::chrono::steady_clock::time_point at, int* retry_after);
  // A successful login gives its reserved attempt back.
  void release_attempt(const std::string& client, std::chrono::steady_clock::time_point at);
  // The stored hash of a session token: SHA-256 of the token and the current credentials' fingerprint, so a
  // session issued under other credentials is simply not found.
  [[nodiscard]] std::string session_hash(std::string_view token) const;

  const Config& config_;
  BlockingPool& blocking_;
  PasswordStore& passwords_;
  SessionStore* sessions_;
  mutable std::mutex mutex_;
  std::optional<std::string> password_hash_;
  std::map<std::string, std::deque<std::chrono::steady_clock::time_point>> attempts_;
  std::atomic<int> password_checks_{0};
  // Recently validated cookie hashes -> (expiry, when checked), so most requests skip the store.
  std::map<std::string, std::pair<SystemTime, std::chrono::steady_clock::time_point>> validated_;
};

}  // namespace parley::auth
