// The authorization code flow for the web UI: "Authorize" on a remote MCP server starts it (the browser is
// sent to the authorization URL), and parley's callback route completes it with the redirect's query. The
// flows in between are kept by their `state` (a 256-bit random value, the only thing that ties a redirect to
// a flow), for 10 minutes, at most 32 at a time. The tokens go to the TokenStore the server's authorizer
// reads when it connects again.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "mcp/http_authorizer.hpp"
#include "mcp/oauth/authorization_flow.hpp"
#include "mcp/oauth/token_store.hpp"

namespace parley::mcp::oauth {

class WebAuthorizations {
 public:
  static constexpr std::size_t kMaxPending = 32;
  static constexpr std::chrono::minutes kPendingLifetime{10};

  WebAuthorizations(boost::asio::any_io_executor executor, net::HttpClient& http,
                    std::shared_ptr<TokenStore> store, ClientSettings settings = {});

  // The URL to send the browser to, for the server `server_id` at `server_url`; `redirect_uri` is parley's
  // callback route as the browser reaches it. `client`: the server's own pre-registered client, when its
  // definition names one (else the settings given at construction: registration or a metadata document).
  boost::asio::awaitable<Result<std::string, Failure>> begin(
      std::string server_id, std::string server_url, AuthorizationHint hint, std::string redirect_uri,
      std::optional<ClientSettings> client = std::nullopt);
  // Completes the flow the redirect's `state` names: the id of the server whose tokens are now stored.
  boost::asio::awaitable<Result<std::string, Failure>> complete(FormFields callback);

 private:
  struct Pending {
    std::string server_id;
    PendingAuthorization flow;
    std::chrono::steady_clock::time_point expires;
  };
  void drop_expired(std::chrono::steady_clock::time_point now);

  boost::asio::any_io_executor executor_;
  net::HttpClient& http_;
  std::shared_ptr<TokenStore> store_;
  ClientSettings settings_;
  std::mutex mutex_;
  std::map<std::string, Pending> pending_;  // by state
};

}  // namespace parley::mcp::oauth
