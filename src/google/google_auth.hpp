// A user's authorization of parley at Google (api.md §2.20): the authorization URL with a signed state, the
// code exchange at the client's token_uri, and access tokens that are refreshed before they expire (or when
// Google answered 401). A stored token that lacks a required scope is deleted; a refresh Google refuses
// (invalid_grant) deletes the token too, so the user is asked to authorize again.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "core/blocking.hpp"
#include "core/clock.hpp"
#include "google/oauth_client.hpp"
#include "google/token_store.hpp"

namespace parley::net {
class HttpClient;
}  // namespace parley::net

namespace parley::google {

struct AuthFailure {
  enum class Kind {
    not_authorized,  // no token, a token missing scopes, or a refresh Google refused
    failed,          // the token endpoint or the store did not answer as it should
  } kind = Kind::failed;
  std::string message;
};

template <class T>
using AuthResult = boost::system::result<T, AuthFailure>;

struct AuthStatus {
  bool authorized = false;
  std::optional<SystemTime> expires_at;
};

struct GoogleAuthSettings {
  std::filesystem::path home;        // credentials/client_secret_*.json
  std::string default_redirect_uri;  // GOOGLE_OAUTH_REDIRECT_URI
  std::string signing_key;           // raw bytes of parley's signing key (state HMAC)
  std::chrono::seconds state_lifetime{900};
  std::chrono::milliseconds timeout{30000};
  std::chrono::seconds refresh_margin{60};  // refresh this long before the token expires
};

class GoogleAuth {
 public:
  // `blocking`: where token-store work runs (null: inline, in a process with nothing else to do).
  GoogleAuth(GoogleAuthSettings settings, TokenStore& tokens, net::HttpClient& http, BlockingPool* blocking,
             WallClock clock = system_wall_clock());

  // POST /api/google-auth/authorize: the URL the browser opens, or why there is none.
  AuthResult<std::string> authorization_url(const std::string& user_email,
                                            const std::optional<std::string>& redirect_uri) const;
  // The callback: verifies the state (Kind::not_authorized "invalid_state" when it does not verify),
  // exchanges the code and stores the token. Returns the user email.
  boost::asio::awaitable<AuthResult<std::string>> complete_authorization(std::string code, std::string state);
  // GET /api/google-auth/status: with the side effects of §2.20.
  boost::asio::awaitable<AuthResult<AuthStatus>> status(std::string user_email);
  // A usable access token; `force_refresh` after Google answered 401 to the current one.
  boost::asio::awaitable<AuthResult<std::string>> access_token(std::string user_email, bool force_refresh);
  // Deletes the user's token (Disconnect).
  boost::asio::awaitable<AuthResult<bool>> disconnect(std::string user_email);

  [[nodiscard]] const GoogleAuthSettings& settings() const { return settings_; }

 private:
  boost::asio::awaitable<TokenRead> load(std::string user_email);
  boost::asio::awaitable<std::error_code> save(std::string user_email, StoredToken token);
  boost::asio::awaitable<std::error_code> remove(std::string user_email);
  // Loads, drops a token missing scopes, refreshes when asked or needed.
  boost::asio::awaitable<AuthResult<StoredToken>> usable_token(std::string user_email, bool force_refresh,
                                                               bool refresh_when_expired);
  boost::asio::awaitable<AuthResult<StoredToken>> refresh(std::string user_email, StoredToken token);

  GoogleAuthSettings settings_;
  TokenStore& tokens_;
  net::HttpClient& http_;
  BlockingPool* blocking_;
  WallClock clock_;
};

// "<detail of Google's error answer>" from a token endpoint body ({"error","error_description"}), else the
// status.
std::string token_endpoint_error(int status, const std::string& body);

}  // namespace parley::google
