// The HTTP requests of OAuth: discovery GETs and token and registration POSTs to URLs that a remote MCP
// server named. They go through an address policy (SSRF): only http(s) without credentials in the URL; https
// unless the MCP server itself was configured with plain http; and only public addresses unless the MCP
// server itself lives on a private or loopback address (a local or intranet setup, whose authorization server
// is next to it). Redirects are not followed; bodies are capped at 1 MiB.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "mcp/failure.hpp"
#include "net/http_client.hpp"

namespace parley::mcp::oauth {

struct OAuthHttpPolicy {
  bool allow_private_addresses = false;
  bool allow_plain_http = false;
};

// The policy for OAuth requests on behalf of the MCP server at `server_url` (resolves its host once).
boost::asio::awaitable<OAuthHttpPolicy> policy_for_server(boost::asio::any_io_executor executor,
                                                          std::string server_url);

struct HttpAnswer {
  int status = 0;
  net::Headers headers;
  std::string body;
};

class OAuthHttp {
 public:
  OAuthHttp(net::HttpClient& http, OAuthHttpPolicy policy) : http_(http), policy_(policy) {}

  // Why `url` may not be fetched under the policy; nullopt when it may.
  [[nodiscard]] std::optional<std::string> refusal(std::string_view url) const;
  boost::asio::awaitable<Result<HttpAnswer, Failure>> get(std::string url, net::Headers headers = {});
  // POST `body` of `content_type` (a form or JSON).
  boost::asio::awaitable<Result<HttpAnswer, Failure>> post(std::string url, std::string content_type,
                                                           std::string body, net::Headers headers = {});
  [[nodiscard]] const OAuthHttpPolicy& policy() const { return policy_; }

 private:
  boost::asio::awaitable<Result<HttpAnswer, Failure>> send(net::ClientRequest request);
  net::HttpClient& http_;
  OAuthHttpPolicy policy_;
};

}  // namespace parley::mcp::oauth
