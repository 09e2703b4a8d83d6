// The CLI's AuthorizationPrompt (RFC 8252 loopback redirect): the redirect URI is a one-off listener on
// 127.0.0.1; the authorization URL is printed for the person, and the browser's redirect to the listener
// completes the flow. Headless (tests, the conformance suite), parley fetches the authorization URL itself
// and follows its redirects until one goes to the redirect URI: for an authorization server that approves
// without asking.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <optional>
#include <string>

#include "mcp/oauth/authorization_prompt.hpp"
#include "net/http_client.hpp"

namespace parley::mcp::oauth {

// The request target of an HTTP request head ("GET /callback?code=… HTTP/1.1\r\n…"); nullopt when the head
// is not a GET request line.
std::optional<std::string> request_target_of(std::string_view head);
// `location` (absolute, or relative to `base`) as an absolute URL; empty when it cannot be resolved.
std::string resolve_location(std::string_view base, std::string_view location);

class LoopbackPrompt final : public AuthorizationPrompt {
 public:
  LoopbackPrompt(boost::asio::any_io_executor executor, net::HttpClient& http, bool headless,
                 std::chrono::seconds wait = std::chrono::minutes(5));

  boost::asio::awaitable<Result<std::string, Failure>> redirect_uri() override;
  boost::asio::awaitable<Result<FormFields, Failure>> authorize(std::string server_url,
                                                                std::string authorization_url,
                                                                std::string state,
                                                                CancelSignal* cancel) override;

 private:
  boost::asio::awaitable<Result<FormFields, Failure>> follow_redirects(std::string url);
  boost::asio::awaitable<Result<FormFields, Failure>> wait_for_browser(std::string state);

  boost::asio::any_io_executor executor_;
  net::HttpClient& http_;
  bool headless_;
  std::chrono::seconds wait_;
  std::optional<boost::asio::ip::tcp::acceptor> acceptor_;
  std::string redirect_uri_;
};

}  // namespace parley::mcp::oauth
