#include "auth/auth_service.hpp"

#include "auth/password.hpp"
#include "core/ids.hpp"
#include "core/log.hpp"

namespace parley::auth {

namespace {
constexpr auto kFailureWindow = std::chrono::seconds(60);
constexpr std::size_t kMaxFailures = 5;
constexpr auto kValidationCacheFor = std::chrono::seconds(5);
}  // namespace

AuthService::AuthService(const Config& config, PasswordStore& passwords, SessionStore* sessions)
    : config_(config), passwords_(passwords), sessions_(sessions) {
  reload_password();
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
  const auto hash = sha256_hex(*cookie);
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

bool AuthService::rate_limited(const std::string& client, int* retry_after) {
  std::lock_guard lock(mutex_);
  auto& q = failures_[client];
  const auto now = std::chrono::steady_clock::now();
  while (!q.empty() && now - q.front() > kFailureWindow) q.pop_front();
  if (q.size() >= kMaxFailures) {
    const auto wait = kFailureWindow - (now - q.front());
    *retry_after = static_cast<int>(std::chrono::ceil<std::chrono::seconds>(wait).count());
    if (*retry_after < 1) *retry_after = 1;
    return true;
  }
  return false;
}

void AuthService::record_failure(const std::string& client) {
  std::lock_guard lock(mutex_);
  if (failures_.size() > 10000) failures_.clear();
  failures_[client].push_back(std::chrono::steady_clock::now());
}

LoginOutcome AuthService::login(std::string_view password, const std::string& client,
                                const std::string& user_agent) {
  LoginOutcome out;
  reload_password();
  if (!configured()) {
    out.kind = LoginOutcome::Kind::no_auth;
    return out;
  }
  if (rate_limited(client, &out.retry_after_seconds)) {
    out.kind = LoginOutcome::Kind::rate_limited;
    return out;
  }
  bool ok = false;
  std::optional<std::string> hash;
  {
    std::lock_guard lock(mutex_);
    hash = password_hash_;
  }
  if (hash && verify_password(password, *hash)) ok = true;
  if (config_.auth_token_configured() && constant_time_equals(password, config_.auth_token)) ok = true;
  if (!ok || !sessions_) {
    record_failure(client);
    out.kind = LoginOutcome::Kind::invalid;
    return out;
  }
  const auto bytes = random_bytes(32);
  out.token = base64url_encode(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  const auto now = std::chrono::system_clock::now();
  sessions_->create_session(sha256_hex(out.token), now, now + std::chrono::hours(config_.session_ttl_hours),
                            user_agent.substr(0, 512));
  out.kind = LoginOutcome::Kind::ok;
  return out;
}

void AuthService::logout(std::string_view cookie_header) {
  const auto cookie = cookie_value(cookie_header, kCookieName);
  if (!cookie || cookie->empty() || !sessions_) return;
  const auto hash = sha256_hex(*cookie);
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
