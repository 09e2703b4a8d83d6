// The HttpAuthorizer of one remote MCP server: hands out its stored access token (refreshed when it is about
// to expire) and, when the server refuses a request, gets a new one — a refresh, a grant that needs no person
// (client credentials, enterprise ID-JAG), or the authorization code flow through an AuthorizationPrompt.
// Without a prompt (the server of the web UI) a refusal leaves the server "needs authorization" until a
// person completes the flow in the browser (WebAuthorizations), which stores the tokens this authorizer then
// reads.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <memory>
#include <optional>
#include <string>

#include "mcp/http_authorizer.hpp"
#include "mcp/oauth/authorization_flow.hpp"
#include "mcp/oauth/authorization_prompt.hpp"
#include "mcp/oauth/token_store.hpp"
#include "mcp/oauth/www_authenticate.hpp"
#include "mcp/strand_lock.hpp"

namespace parley::mcp::oauth {

// Refusals of one request after which parley stops asking for new tokens (a server that answers
// insufficient_scope for ever must not send the person through the flow for ever).
inline constexpr int kMaxAuthorizationAttempts = 3;

class OAuthAuthorizer final : public HttpAuthorizer {
 public:
  OAuthAuthorizer(boost::asio::any_io_executor executor, net::HttpClient& http, std::string server_url,
                  ClientSettings settings, std::shared_ptr<TokenStore> store,
                  std::shared_ptr<AuthorizationPrompt> prompt);

  boost::asio::awaitable<std::optional<std::string>> authorization() override;
  boost::asio::awaitable<Result<void, Failure>> recover(int status, std::vector<std::string> challenges,
                                                        int attempt) override;

  [[nodiscard]] bool needs_person() const override { return needs_person_; }
  // From the Bearer challenge of the last refusal (the web flow starts from its resource metadata and scope).
  [[nodiscard]] AuthorizationHint hint() const override;

 private:
  boost::asio::awaitable<OAuthHttp*> oauth_http();
  boost::asio::awaitable<Result<StoredAuthorization, Failure>> authorize(BearerChallenge challenge,
                                                                         bool step_up);
  boost::asio::awaitable<void> load_once();
  boost::asio::awaitable<void> save_record();

  boost::asio::any_io_executor executor_;
  net::HttpClient& http_;
  std::string server_url_;
  ClientSettings settings_;
  std::shared_ptr<TokenStore> store_;
  std::shared_ptr<AuthorizationPrompt> prompt_;
  std::unique_ptr<OAuthHttp> oauth_http_;
  std::optional<StoredAuthorization> record_;
  bool loaded_ = false;
  bool needs_person_ = false;
  std::optional<BearerChallenge> last_challenge_;
  StrandLock busy_;  // one refresh or authorization at a time; requests refused meanwhile wait for it
};

}  // namespace parley::mcp::oauth
