#include "auth/auth_service.hpp"

#include <algorithm>

#include "auth/password.hpp"
#include "core/ids.hpp"
#include "core/log.hpp"

namespace parley::auth {

namespace {
constexpr auto kFailureWindow = std::chrono::seconds(60);
constexpr std::size_t kMaxFailures = 5;
constexpr auto kValidationCacheFor = std::chrono::seconds(5);
}  // namespace

AuthService::AuthService(const Config& config, PasswordStore& passwords, SessionStore* sessions,
                         BlockingPool& blocking)
    : config_(config), blocking_(blocking), passwords_(passwords), sessions_(sessions) {
  reload_password();
}

boost::asio::awaitable<bool> AuthService::check(std::string authorization_header, std::string cookie_header) {
  // Named lambdas: g++ 12 miscompiles capturing lambdas built inside a co_await expression.
  auto job = [this, authorization_header, cookie_header] {
    return authenticate(authorization_header, cookie_header);
  };
  co_return co_await blocking_.run(std::move(job));
}

boost::asio::awaitable<LoginOutcome> AuthService::try_login(std::string password, std::string client,
                                                            std::string user_agent) {
  auto job = [this, password, client, user_agent] { return login(password, client, user_agent); };
  co_return co_await blocking_.run(std::move(job));
}

boost::asio::awaitable<void> AuthService::end_session(std::string cookie_header) {
  auto job = [this, cookie_header] { logout(cookie_header); };
  co_await blocking_.run(std::move(job));
}

void AuthService::reload_password() {
  auto loaded = passwords_.load();
  if (!loaded.error.empty()) log::error("{}", loaded.error);
  if (loaded.unavailable) return;
  std::lock_guard lock(mutex_);
  password_hash_ = std::move(loaded.hash);
}

bool AuthService::configured() const {
  std::lock_guard lock(mutex_);
  return config_.auth_token_configured() || password_hash_.has_value();
}

std::optional<std::string> AuthService::cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const auto semi = header.find(';');
    auto part = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    const auto eq = part.find('=');
    if (eq != std::string_view::npos && part.substr(0, eq) == name) {
      auto v = part.substr(eq + 1);
      while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
      return std::string(v);
    }
  }
  return std::nullopt;
}

bool AuthService::authenticate(std::string_view authorization, std::string_view cookie_header) {
  if (authorization.size() > 7 &&
      (authorization.substr(0, 7) == "Bearer " || authorization.substr(0, 7) == "bearer ")) {
    const auto token = authorization.substr(7);
    if (config_.auth_token_configured() && constant_time_equals(token, config_.auth_token)) return true;
  }
  const auto cookie = cookie_value(cookie_header, kCookieName);
  if (!cookie || cookie->empty() || !sessions_) return false;
  const auto hash = session_hash(*cookie);
  const auto now = std::chrono::system_clock::now();
  {
    std::lock_guard lock(mutex_);
    if (auto it = validated_.find(hash); it != validated_.end()) {
      if (std::chrono::steady_clock::now() - it->second.second < kValidationCacheFor &&
          it->second.first > now) {
        return true;
      }
      validated_.erase(it);
    }
  }
  const auto expires = sessions_->find_session(hash);
  if (!expires || *expires <= now) return false;
  sessions_->touch_session(hash, now);
  std::lock_guard lock(mutex_);
  if (validated_.size() > 10000) validated_.clear();
  validated_[hash] = {*expires, std::chrono::steady_clock::now()};
  return true;
}

bool AuthService::reserve_attempt(const std::string& client, std::chrono::steady_clock::time_point at,
                                  int* retry_after) {
  std::lock_guard lock(mutex_);
  if (attempts_.size() > 10000) {
    // Forget clients whose window has passed (not everyone: that would reset a limited client's count).
    for (auto it = attempts_.begin(); it != attempts_.end();) {
      it = (it->second.empty() || at - it->second.back() > kFailureWindow) ? attempts_.erase(it)
                                                                           : std::next(it);
    }
  }
  auto& q = attempts_[client];
  while (!q.empty() && at - q.front() > kFailureWindow) q.pop_front();
  if (q.size() >= kMaxFailures) {
    const auto wait = kFailureWindow - (at - q.front());
    *retry_after = std::max(1, static_cast<int>(std::chrono::ceil<std::chrono::seconds>(wait).count()));
    return false;
  }
  q.push_back(at);
  return true;
}

void AuthService::release_attempt(const std::string& client, std::chrono::steady_clock::time_point at) {
  std::lock_guard lock(mutex_);
  auto it = attempts_.find(client);
  if (it == attempts_.end()) return;
  auto& q = it->second;
  if (auto pos = std::find(q.begin(), q.end(), at); pos != q.end()) q.erase(pos);
}

std::string AuthService::session_hash(std::string_view token) const {
  std::string credentials = "parley-session-credentials\n";
  credentials += config_.auth_token;
  credentials += '\n';
  {
    std::lock_guard lock(mutex_);
    credentials += password_hash_.value_or("");
  }
  std::string input(token);
  input += '\n';
  input += sha256_hex(credentials);
  return sha256_hex(input);
}

LoginOutcome AuthService::login(std::string_view password, const std::string& client,
                                const std::string& user_agent) {
  LoginOutcome out;
  reload_password();
  if (!configured()) {
    out.kind = LoginOutcome::Kind::no_auth;
    return out;
  }
  const auto attempt = std::chrono::steady_clock::now();
  if (!reserve_attempt(client, attempt, &out.retry_after_seconds)) {
    out.kind = LoginOutcome::Kind::rate_limited;
    return out;
  }
  bool ok = config_.auth_token_configured() && constant_time_equals(password, config_.auth_token);
  std::optional<std::string> hash;
  {
    std::lock_guard lock(mutex_);
    hash = password_hash_;
  }
  if (!ok && hash) {
    // PBKDF2 is slow on purpose; a burst of logins (from any number of addresses) must not take every core.
    if (password_checks_.fetch_add(1) >= kMaxConcurrentPasswordChecks) {
      password_checks_.fetch_sub(1);
      release_attempt(client, attempt);  // not checked: does not count against the client
      out.kind = LoginOutcome::Kind::rate_limited;
      out.retry_after_seconds = 1;
      return out;
    }
    ok = verify_password(password, *hash);
    password_checks_.fetch_sub(1);
  }
  if (!ok || !sessions_) {
    out.kind = LoginOutcome::Kind::invalid;
    return out;
  }
  release_attempt(client, attempt);
  const auto bytes = random_bytes(32);
  out.token = base64url_encode(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  const auto now = std::chrono::system_clock::now();
  sessions_->create_session(session_hash(out.token), now, now + std::chrono::hours(config_.session_ttl_hours),
                            user_agent.substr(0, 512));
  out.kind = LoginOutcome::Kind::ok;
  return out;
}

void AuthService::logout(std::string_view cookie_header) {
  const auto cookie = cookie_value(cookie_header, kCookieName);
  if (!cookie || cookie->empty() || !sessions_) return;
  const auto hash = session_hash(*cookie);
  sessions_->delete_session(hash);
  std::lock_guard lock(mutex_);
  validated_.erase(hash);
}

std::string AuthService::session_cookie(const std::string& token, bool secure) const {
  std::string c = std::string(kCookieName) + "=" + token + "; HttpOnly; SameSite=Strict; Path=/; Max-Age=" +
                  std::to_string(static_cast<long long>(config_.session_ttl_hours) * 3600);
  if (secure) c += "; Secure";
  return c;
}

std::string AuthService::expired_cookie(bool secure) const {
  std::string c = std::string(kCookieName) + "=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0";
  if (secure) c += "; Secure";
  return c;
}

}  // namespace parley::auth
