#include "mcp/oauth/oauth_http.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/url/parse.hpp>

#include "net/address_policy.hpp"

namespace parley::mcp::oauth {

namespace asio = boost::asio;

namespace {

// Resolving is its own coroutine taking its parameters by value (g++ 12 miscompiles structured bindings of a
// co_await result and temporaries kept across one).
asio::awaitable<std::vector<asio::ip::address>> resolve_host(asio::any_io_executor executor, std::string host,
                                                             std::string port) {
  asio::ip::tcp::resolver resolver(executor);
  boost::system::error_code ec;
  auto results = co_await resolver.async_resolve(host, port, asio::redirect_error(asio::use_awaitable, ec));
  std::vector<asio::ip::address> out;
  if (ec) co_return out;
  for (const auto& entry : results) out.push_back(entry.endpoint().address());
  co_return out;
}

}  // namespace

asio::awaitable<OAuthHttpPolicy> policy_for_server(asio::any_io_executor executor, std::string server_url) {
  OAuthHttpPolicy policy;
  std::string host;
  std::string port = "0";
  {
    auto parsed = boost::urls::parse_absolute_uri(server_url);
    if (!parsed) co_return policy;
    policy.allow_plain_http = parsed->scheme() == "http";
    host = std::string(parsed->host_address());
    if (parsed->has_port()) port = std::string(parsed->port());
  }
  const auto addresses = co_await resolve_host(executor, host, port);
  for (const auto& address : addresses) {
    if (!net::is_public_address(address)) policy.allow_private_addresses = true;
  }
  co_return policy;
}

std::optional<std::string> OAuthHttp::refusal(std::string_view url) const {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed || (parsed->scheme() != "http" && parsed->scheme() != "https") ||
      parsed->host_address().empty()) {
    return "'" + std::string(url.substr(0, 200)) + "' is not an http(s) URL";
  }
  if (parsed->has_userinfo()) return "an OAuth URL must not carry credentials";
  if (parsed->scheme() == "http" && !policy_.allow_plain_http) {
    return "the authorization server's URL " + std::string(parsed->encoded_origin()) +
           " is not https (OAuth needs TLS when the MCP server uses it)";
  }
  return std::nullopt;
}

asio::awaitable<Result<HttpAnswer, Failure>> OAuthHttp::send(net::ClientRequest request) {
  if (auto why = refusal(request.url)) co_return fail(*why);
  request.connect_timeout = std::chrono::seconds(10);
  request.read_timeout = std::chrono::seconds(30);
  request.max_body_bytes = 1024 * 1024;
  if (!policy_.allow_private_addresses) request.address_allowed = net::is_public_address;
  const std::string url = request.url;
  auto result = co_await http_.fetch(std::move(request));
  if (!result) {
    co_return fail(url.substr(0, 200) + ": " + result.error().message +
                   (policy_.allow_private_addresses
                        ? ""
                        : " (OAuth URLs of a server on a public address must be public too)"));
  }
  HttpAnswer answer;
  answer.status = result->status;
  answer.headers = std::move(result->headers);
  answer.body = std::move(result->body);
  co_return answer;
}

asio::awaitable<Result<HttpAnswer, Failure>> OAuthHttp::get(std::string url, net::Headers headers) {
  net::ClientRequest request;
  request.method = "GET";
  request.url = std::move(url);
  request.headers = std::move(headers);
  if (!request.headers.has("Accept")) request.headers.set("Accept", "application/json");
  co_return co_await send(std::move(request));
}

asio::awaitable<Result<HttpAnswer, Failure>> OAuthHttp::post(std::string url, std::string content_type,
                                                             std::string body, net::Headers headers) {
  net::ClientRequest request;
  request.method = "POST";
  request.url = std::move(url);
  request.headers = std::move(headers);
  request.headers.set("Content-Type", std::move(content_type));
  if (!request.headers.has("Accept")) request.headers.set("Accept", "application/json");
  request.body = std::move(body);
  co_return co_await send(std::move(request));
}

}  // namespace parley::mcp::oauth
