#include "mcp/oauth/oauth_authorizer.hpp"

#include "core/log.hpp"
#include "mcp/oauth/scope_selection.hpp"

namespace parley::mcp::oauth {

namespace asio = boost::asio;

OAuthAuthorizer::OAuthAuthorizer(asio::any_io_executor executor, net::HttpClient& http,
                                 std::string server_url, ClientSettings settings,
                                 std::shared_ptr<TokenStore> store,
                                 std::shared_ptr<AuthorizationPrompt> prompt)
    : executor_(std::move(executor)),
      http_(http),
      server_url_(std::move(server_url)),
      settings_(std::move(settings)),
      store_(std::move(store)),
      prompt_(std::move(prompt)) {}

AuthorizationHint OAuthAuthorizer::hint() const {
  if (!last_challenge_) return {};
  return {last_challenge_->resource_metadata, last_challenge_->scope};
}

asio::awaitable<void> OAuthAuthorizer::load_once() {
  if (loaded_) co_return;
  // Requests made while the first load runs wait for it rather than go out without a token.
  auto guard = co_await busy_.acquire();
  if (loaded_) co_return;
  if (store_) {
    auto loaded = co_await store_->load_async(server_url_);
    if (!loaded.problem.empty()) log::warn("MCP OAuth: {}; parley will authorize again", loaded.problem);
    if (!record_) record_ = std::move(loaded.record);
    if (record_) with_configured_secret(*record_, settings_.client_id, settings_.client_secret);
  }
  loaded_ = true;
}

asio::awaitable<void> OAuthAuthorizer::save_record() {
  if (!store_ || !record_) co_return;
  auto kept = storable(*record_);
  if (auto saved = co_await store_->save_async(std::move(kept)); !saved) {
    log::warn("MCP OAuth: the new token works for this run only: {}", saved.error().message);
  }
}

asio::awaitable<OAuthHttp*> OAuthAuthorizer::oauth_http() {
  if (!oauth_http_) {
    auto policy = co_await policy_for_server(executor_, server_url_);
    if (!oauth_http_) oauth_http_ = std::make_unique<OAuthHttp>(http_, policy);
  }
  co_return oauth_http_.get();
}

asio::awaitable<std::optional<std::string>> OAuthAuthorizer::authorization() {
  co_await load_once();
  if (record_ && record_->expired(std::chrono::system_clock::now()) && !record_->refresh_token.empty()) {
    auto guard = co_await busy_.acquire();
    if (record_ && record_->expired(std::chrono::system_clock::now())) {
      AuthorizationFlow flow(*co_await oauth_http(), settings_);
      auto refreshed = co_await flow.refresh(*record_);
      if (refreshed) {
        record_ = std::move(refreshed.value());
        co_await save_record();
      } else {
        // The server will refuse the old token; recover() then starts over.
        log::info("MCP OAuth: refreshing the token of {} failed: {}", server_url_, refreshed.error().message);
        record_->refresh_token.clear();
      }
    }
  }
  if (!record_ || record_->access_token.empty()) co_return std::nullopt;
  co_return "Bearer " + record_->access_token;
}

asio::awaitable<Result<StoredAuthorization, Failure>> OAuthAuthorizer::authorize(BearerChallenge challenge,
                                                                                 bool step_up) {
  AuthorizationFlow flow(*co_await oauth_http(), settings_);
  auto discovery = co_await flow.discover(server_url_, challenge.resource_metadata);
  if (!discovery) co_return discovery.error();
  std::optional<std::string> scope;
  if (step_up) {
    // Step-up: what was granted plus what the refusal names, so earlier operations keep working.
    auto merged = merge_scopes(record_ ? record_->scope : "", challenge.scope.value_or(""));
    if (!merged.empty()) scope = std::move(merged);
  } else if (!settings_.scope.empty()) {
    scope = settings_.scope;  // the server's definition says what to ask for
  } else {
    const auto& d = discovery.value();
    scope = select_scope(challenge.scope,
                         d.resource_metadata ? d.resource_metadata->scopes_supported : std::nullopt,
                         d.server.scopes_supported);
  }
  if (settings_.enterprise()) co_return co_await flow.enterprise_grant(discovery.value(), scope);
  if (settings_.client_credentials) co_return co_await flow.client_credentials(discovery.value(), scope);
  if (!prompt_) {
    needs_person_ = true;
    co_return fail("the MCP server " + server_url_ +
                   " asks for authorization (OAuth); press Authorize in the MCP settings, or run `parley "
                   "mcp tools " +
                   server_url_ + "` on a terminal");
  }
  auto redirect_uri = co_await prompt_->redirect_uri();
  if (!redirect_uri) co_return redirect_uri.error();
  // A named local, not a conditional expression inside the co_await: g++ 12 destroys such a temporary twice
  // (a heap corruption the step-up scenarios of the conformance suite showed).
  std::optional<ClientIdentity> known;
  if (record_) known = record_->client;
  auto client = co_await flow.identify(discovery.value(), redirect_uri.value(), scope, std::move(known));
  if (!client) co_return client.error();
  auto pending = flow.begin(discovery.value(), std::move(client.value()), redirect_uri.value(), scope);
  if (!pending) co_return pending.error();
  auto callback = co_await prompt_->authorize(server_url_, pending.value().authorization_url,
                                              pending.value().state, nullptr);
  if (!callback) co_return callback.error();
  co_return co_await flow.complete(std::move(pending.value()), std::move(callback.value()));
}

asio::awaitable<Result<void, Failure>> OAuthAuthorizer::recover(int status,
                                                                std::vector<std::string> challenges,
                                                                int attempt) {
  co_await load_once();
  const std::string token_before = record_ ? record_->access_token : std::string();
  auto guard = co_await busy_.acquire();
  auto challenge = find_bearer_challenge(challenges).value_or(BearerChallenge{});
  last_challenge_ = challenge;
  const std::string said =
      challenge.error.empty()
          ? std::string()
          : " (" + challenge.error.substr(0, 60) +
                (challenge.error_description.empty() ? ""
                                                     : ": " + challenge.error_description.substr(0, 200)) +
                ")";
  if (attempt > kMaxAuthorizationAttempts) {
    co_return fail("the MCP server " + server_url_ + " still refuses (HTTP " + std::to_string(status) + said +
                   ") after " + std::to_string(kMaxAuthorizationAttempts) +
                   " authorizations; parley gives up on this request");
  }
  // Another request met the same refusal and got a new token meanwhile.
  if (record_ && !record_->access_token.empty() && record_->access_token != token_before) co_return success();
  const bool step_up = status == 403 && challenge.error == "insufficient_scope";
  if (status == 403 && !step_up) {
    co_return fail("the MCP server " + server_url_ + " refused access (HTTP 403" + said + ")");
  }
  if (!step_up && attempt == 1 && record_ && !record_->refresh_token.empty()) {
    AuthorizationFlow flow(*co_await oauth_http(), settings_);
    auto refreshed = co_await flow.refresh(*record_);
    if (refreshed) {
      record_ = std::move(refreshed.value());
      co_await save_record();
      co_return success();
    }
    log::info("MCP OAuth: refreshing the token of {} failed ({}); authorizing again", server_url_,
              refreshed.error().message);
  }
  auto record = co_await authorize(std::move(challenge), step_up);
  if (!record) co_return record.error();
  needs_person_ = false;
  record_ = std::move(record.value());
  co_await save_record();
  co_return success();
}

}  // namespace parley::mcp::oauth
