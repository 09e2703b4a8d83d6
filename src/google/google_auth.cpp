#include "google/google_auth.hpp"

#include <boost/json.hpp>

#include "core/json.hpp"
#include "core/log.hpp"
#include "google/encoding.hpp"
#include "google/oauth_state.hpp"
#include "net/http_client.hpp"

namespace parley::google {

namespace bj = boost::json;
using Kind = AuthFailure::Kind;

namespace {

AuthFailure failure(Kind kind, std::string message) {
  return AuthFailure{kind, std::move(message)};
}

std::string join_scopes(const std::vector<std::string>& scopes) {
  std::string out;
  for (const auto& s : scopes) {
    if (!out.empty()) out += ' ';
    out += s;
  }
  return out;
}

// The parts of a token endpoint answer (RFC 6749 §5.1) a stored token keeps.
struct TokenAnswer {
  std::string access_token;
  std::string refresh_token;
  std::optional<std::int64_t> expires_in;
  std::optional<std::string> scope;
};

std::optional<TokenAnswer> parse_token_answer(const std::string& body, std::string& why) {
  auto parsed = json::parse(body, &why);
  if (!parsed || !parsed->is_object()) {
    if (why.empty()) why = "not a JSON object";
    return std::nullopt;
  }
  const auto& o = parsed->get_object();
  TokenAnswer a;
  a.access_token = json::string_member(o, "access_token");
  a.refresh_token = json::string_member(o, "refresh_token");
  if (const auto* e = o.if_contains("expires_in")) {
    if (e->is_int64())
      a.expires_in = e->get_int64();
    else if (e->is_uint64())
      a.expires_in = static_cast<std::int64_t>(e->get_uint64());
    else if (e->is_double())
      a.expires_in = static_cast<std::int64_t>(e->get_double());
  }
  if (const auto* s = o.if_contains("scope"); s != nullptr && s->is_string())
    a.scope = std::string(s->get_string());
  if (a.access_token.empty()) {
    why = "the answer has no access_token";
    return std::nullopt;
  }
  return a;
}

std::vector<std::string> split_scope(const std::string& s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    auto j = s.find(' ', i);
    if (j == std::string::npos) j = s.size();
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

}  // namespace

std::string token_endpoint_error(int status, const std::string& body) {
  if (auto parsed = json::parse(body); parsed && parsed->is_object()) {
    const auto& o = parsed->get_object();
    const auto error = json::string_member(o, "error");
    const auto description = json::string_member(o, "error_description");
    if (!error.empty()) return description.empty() ? error : error + " (" + description + ")";
  }
  return "HTTP " + std::to_string(status);
}

GoogleAuth::GoogleAuth(GoogleAuthSettings settings, TokenStore& tokens, net::HttpClient& http,
                       BlockingPool* blocking, WallClock clock)
    : settings_(std::move(settings)),
      tokens_(tokens),
      http_(http),
      blocking_(blocking),
      clock_(std::move(clock)) {}

AuthResult<std::string> GoogleAuth::authorization_url(const std::string& user_email,
                                                      const std::optional<std::string>& redirect_uri) const {
  if (auto problem = user_email_problem(user_email); !problem.empty()) return failure(Kind::failed, problem);
  if (settings_.signing_key.empty()) {
    return failure(Kind::failed,
                   "parley has no signing key to sign the OAuth state (see PARLEY_SIGNING_KEY)");
  }
  auto loaded = load_oauth_client(settings_.home);
  if (!loaded.client) return failure(Kind::failed, loaded.error);
  const auto& client = *loaded.client;
  const auto redirect =
      redirect_uri && !redirect_uri->empty() ? *redirect_uri : settings_.default_redirect_uri;
  const auto state = sign_state(user_email, clock_() + settings_.state_lifetime, settings_.signing_key);
  QueryParams params = {{"response_type", "code"},
                        {"client_id", client.client_id},
                        {"redirect_uri", redirect},
                        {"scope", join_scopes(required_scopes())},
                        {"access_type", "offline"},
                        {"prompt", "consent"},
                        {"include_granted_scopes", "true"},
                        {"login_hint", user_email},
                        {"state", state}};
  const char separator = client.auth_uri.find('?') == std::string::npos ? '?' : '&';
  return client.auth_uri + separator + form_encode(params);
}

boost::asio::awaitable<TokenRead> GoogleAuth::load(std::string user_email) {
  if (blocking_ == nullptr) co_return tokens_.load(user_email);
  auto read = [this, user_email] { return tokens_.load(user_email); };
  auto result = co_await blocking_->run(std::move(read));
  co_return result;
}

boost::asio::awaitable<std::error_code> GoogleAuth::save(std::string user_email, StoredToken token) {
  if (blocking_ == nullptr) co_return tokens_.save(user_email, token);
  auto write = [this, user_email, token] { return tokens_.save(user_email, token); };
  auto result = co_await blocking_->run(std::move(write));
  co_return result;
}

boost::asio::awaitable<std::error_code> GoogleAuth::remove(std::string user_email) {
  if (blocking_ == nullptr) co_return tokens_.remove(user_email);
  auto erase = [this, user_email] { return tokens_.remove(user_email); };
  auto result = co_await blocking_->run(std::move(erase));
  co_return result;
}

boost::asio::awaitable<AuthResult<std::string>> GoogleAuth::complete_authorization(std::string code,
                                                                                   std::string state) {
  auto email = verify_state(state, clock_(), settings_.signing_key);
  if (!email) co_return failure(Kind::not_authorized, "invalid_state");
  auto loaded = load_oauth_client(settings_.home);
  if (!loaded.client) co_return failure(Kind::failed, loaded.error);
  const auto client = *loaded.client;
  net::ClientRequest request;
  request.method = "POST";
  request.url = client.token_uri;
  request.headers.set("Content-Type", "application/x-www-form-urlencoded");
  request.headers.set("Accept", "application/json");
  request.body = form_encode({{"grant_type", "authorization_code"},
                              {"code", code},
                              {"client_id", client.client_id},
                              {"client_secret", client.client_secret},
                              {"redirect_uri", settings_.default_redirect_uri}});
  request.connect_timeout = settings_.timeout;
  request.read_timeout = settings_.timeout;
  request.max_body_bytes = 1024 * 1024;
  auto response = co_await http_.fetch(std::move(request));
  if (!response)
    co_return failure(Kind::failed, "the token endpoint did not answer: " + response.error().message);
  if (response->status != 200) {
    co_return failure(Kind::failed,
                      "the code exchange failed: " + token_endpoint_error(response->status, response->body));
  }
  std::string why;
  auto answer = parse_token_answer(response->body, why);
  if (!answer) co_return failure(Kind::failed, "the token endpoint's answer is not usable: " + why);
  StoredToken token;
  token.token = answer->access_token;
  token.refresh_token = answer->refresh_token;
  token.token_uri = client.token_uri;
  token.client_id = client.client_id;
  token.client_secret = client.client_secret;
  token.scopes = answer->scope ? split_scope(*answer->scope) : required_scopes();
  token.account = "";
  if (answer->expires_in) token.expiry = clock_() + std::chrono::seconds(*answer->expires_in);
  register_token_secrets(*email, token);
  if (auto missing = missing_scopes(token); !missing.empty()) {
    co_return failure(Kind::failed, "Google granted fewer scopes than parley needs (missing " +
                                        join_scopes(missing) +
                                        "); authorize again and allow every permission");
  }
  if (auto ec = co_await save(*email, token)) {
    co_return failure(Kind::failed, "the token could not be stored: " + ec.message());
  }
  log::info("Google authorization stored for {}", *email);
  co_return *email;
}

boost::asio::awaitable<AuthResult<StoredToken>> GoogleAuth::refresh(std::string user_email,
                                                                    StoredToken token) {
  std::string client_id = token.client_id;
  std::string client_secret = token.client_secret;
  std::string token_uri = token.token_uri;
  if (client_id.empty() || client_secret.empty() || token_uri.empty()) {
    auto loaded = load_oauth_client(settings_.home);
    if (!loaded.client) co_return failure(Kind::failed, loaded.error);
    if (client_id.empty()) client_id = loaded.client->client_id;
    if (client_secret.empty()) client_secret = loaded.client->client_secret;
    if (token_uri.empty()) token_uri = loaded.client->token_uri;
  }
  net::ClientRequest request;
  request.method = "POST";
  request.url = token_uri;
  request.headers.set("Content-Type", "application/x-www-form-urlencoded");
  request.headers.set("Accept", "application/json");
  request.body = form_encode({{"grant_type", "refresh_token"},
                              {"refresh_token", token.refresh_token},
                              {"client_id", client_id},
                              {"client_secret", client_secret}});
  request.connect_timeout = settings_.timeout;
  request.read_timeout = settings_.timeout;
  request.max_body_bytes = 1024 * 1024;
  auto response = co_await http_.fetch(std::move(request));
  if (!response) {
    co_return failure(Kind::failed,
                      "refreshing the Google token failed: the token endpoint did not answer (" +
                          response.error().message + ")");
  }
  const auto& r = *response;
  if (r.status != 200) {
    const auto detail = token_endpoint_error(r.status, r.body);
    if (r.status == 400 || r.status == 401) {
      // invalid_grant: revoked or expired; the token is useless and the user must authorize again.
      co_await remove(user_email);
      log::warn("Google refused to refresh the token of {} ({}); the token was deleted", user_email, detail);
      co_return failure(Kind::not_authorized,
                        "Google refused to refresh the stored authorization (" + detail + ")");
    }
    co_return failure(Kind::failed, "refreshing the Google token failed: " + detail);
  }
  std::string why;
  auto answer = parse_token_answer(r.body, why);
  if (!answer) co_return failure(Kind::failed, "the token endpoint's refresh answer is not usable: " + why);
  token.token = answer->access_token;
  if (!answer->refresh_token.empty()) token.refresh_token = answer->refresh_token;
  if (answer->expires_in)
    token.expiry = clock_() + std::chrono::seconds(*answer->expires_in);
  else
    token.expiry.reset();
  register_token_secrets(user_email, token);
  if (auto ec = co_await save(user_email, token)) {
    co_return failure(Kind::failed, "the refreshed token could not be stored: " + ec.message());
  }
  co_return token;
}

boost::asio::awaitable<AuthResult<StoredToken>> GoogleAuth::usable_token(std::string user_email,
                                                                         bool force_refresh,
                                                                         bool refresh_when_expired) {
  if (auto problem = user_email_problem(user_email); !problem.empty())
    co_return failure(Kind::not_authorized, problem);
  auto read = co_await load(user_email);
  if (!read.error.empty()) co_return failure(Kind::failed, read.error);
  if (!read.token)
    co_return failure(Kind::not_authorized, "no Google authorization is stored for " + user_email);
  auto token = std::move(*read.token);
  if (auto missing = missing_scopes(token); !missing.empty()) {
    co_await remove(user_email);
    log::warn("The stored Google token of {} lacks {} required scope(s); it was deleted", user_email,
              missing.size());
    co_return failure(Kind::not_authorized, "the stored Google authorization of " + user_email +
                                                " lacks required permissions and was deleted");
  }
  const bool expired = needs_refresh(token, clock_(), settings_.refresh_margin);
  if (force_refresh || (refresh_when_expired && expired)) {
    if (token.refresh_token.empty()) {
      if (!force_refresh && !token.token.empty() && token.expiry && *token.expiry > clock_()) co_return token;
      co_return failure(Kind::not_authorized,
                        "the Google authorization of " + user_email + " expired and cannot be refreshed");
    }
    auto refreshed = co_await refresh(user_email, std::move(token));
    co_return refreshed;
  }
  co_return token;
}

boost::asio::awaitable<AuthResult<AuthStatus>> GoogleAuth::status(std::string user_email) {
  if (auto problem = user_email_problem(user_email); !problem.empty())
    co_return failure(Kind::failed, problem);
  auto token = co_await usable_token(user_email, false, true);
  if (!token) {
    if (token.error().kind == Kind::not_authorized) co_return AuthStatus{};
    co_return token.error();
  }
  co_return AuthStatus{true, token->expiry};
}

boost::asio::awaitable<AuthResult<std::string>> GoogleAuth::access_token(std::string user_email,
                                                                         bool force_refresh) {
  auto token = co_await usable_token(user_email, force_refresh, true);
  if (!token) co_return token.error();
  co_return token->token;
}

boost::asio::awaitable<AuthResult<bool>> GoogleAuth::disconnect(std::string user_email) {
  if (auto problem = user_email_problem(user_email); !problem.empty())
    co_return failure(Kind::failed, problem);
  if (auto ec = co_await remove(user_email)) co_return failure(Kind::failed, ec.message());
  co_return true;
}

}  // namespace parley::google
