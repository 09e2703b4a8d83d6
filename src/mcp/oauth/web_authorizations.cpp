#include "mcp/oauth/web_authorizations.hpp"

#include "core/log.hpp"
#include "mcp/oauth/scope_selection.hpp"

namespace parley::mcp::oauth {

namespace asio = boost::asio;

WebAuthorizations::WebAuthorizations(asio::any_io_executor executor, net::HttpClient& http,
                                     std::shared_ptr<TokenStore> store, ClientSettings settings)
    : executor_(std::move(executor)), http_(http), store_(std::move(store)), settings_(std::move(settings)) {}

void WebAuthorizations::drop_expired(std::chrono::steady_clock::time_point now) {
  std::erase_if(pending_, [now](const auto& entry) { return entry.second.expires <= now; });
}

asio::awaitable<Result<std::string, Failure>> WebAuthorizations::begin(
    std::string server_id, std::string server_url, AuthorizationHint hint, std::string redirect_uri,
    std::optional<ClientSettings> client_settings) {
  OAuthHttp http(http_, co_await policy_for_server(executor_, server_url));
  const ClientSettings settings = client_settings ? std::move(*client_settings) : settings_;
  AuthorizationFlow flow(http, settings);
  auto discovery = co_await flow.discover(server_url, hint.resource_metadata);
  if (!discovery) co_return discovery.error();
  const auto& d = discovery.value();
  std::optional<std::string> scope =
      !settings.scope.empty()
          ? std::optional<std::string>(settings.scope)
          : select_scope(hint.scope,
                         d.resource_metadata ? d.resource_metadata->scopes_supported : std::nullopt,
                         d.server.scopes_supported);
  // An earlier registration of parley with this authorization server is used again.
  std::optional<ClientIdentity> known;
  if (store_) {
    if (auto loaded = co_await store_->load_async(server_url); loaded.record) known = loaded.record->client;
  }
  auto client = co_await flow.identify(d, redirect_uri, scope, known);
  if (!client) co_return client.error();
  auto pending = flow.begin(d, std::move(client.value()), redirect_uri, scope);
  if (!pending) co_return pending.error();
  std::string url = pending.value().authorization_url;
  {
    std::lock_guard lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    drop_expired(now);
    if (pending_.size() >= kMaxPending) {
      co_return fail("too many authorizations are waiting for their browser; try again in a few minutes");
    }
    const auto state = pending.value().state;
    pending_[state] = Pending{std::move(server_id), std::move(pending.value()), now + kPendingLifetime};
  }
  co_return url;
}

asio::awaitable<Result<std::string, Failure>> WebAuthorizations::complete(FormFields callback) {
  std::optional<Pending> found;
  {
    std::lock_guard lock(mutex_);
    drop_expired(std::chrono::steady_clock::now());
    // One use only: a replayed redirect finds nothing.
    if (auto it = pending_.find(field(callback, "state")); it != pending_.end()) {
      found = std::move(it->second);
      pending_.erase(it);
    }
  }
  if (!found) {
    co_return fail(
        "this authorization answer belongs to no authorization parley started (or it is older "
        "than 10 minutes, or was used already); press Authorize again");
  }
  OAuthHttp http(http_, co_await policy_for_server(executor_, found->flow.discovery.server_url));
  AuthorizationFlow flow(http, settings_);
  auto record = co_await flow.complete(std::move(found->flow), std::move(callback));
  if (!record) co_return record.error();
  if (store_) {
    auto kept = storable(record.value());
    auto saved = co_await store_->save_async(std::move(kept));
    if (!saved) co_return saved.error();
  }
  log::info("MCP server {}: authorized with {}", found->server_id, record.value().issuer);
  co_return found->server_id;
}

}  // namespace parley::mcp::oauth
