// POST /api/mcp/servers/{server_id}/authorize and GET /api/mcp/oauth/callback: the browser's part of OAuth
// for a remote MCP server. The callback is open (the authorization server sends the browser there, maybe
// without parley's cookie); the `state` it carries is the capability: it names a flow an authenticated person
// started, once.
#include "api/mcp.hpp"
#include "api/responses.hpp"
#include "mcp/oauth/form_encoding.hpp"
#include "mcp/oauth/web_authorizations.hpp"
#include "mcp/tool_aggregator.hpp"

namespace parley::api {

namespace bj = boost::json;

namespace {

// The host as the browser reached parley, when it is a plain host[:port] (anything else in a Host header is
// not put into a URL).
bool plain_host(std::string_view host) {
  if (host.empty() || host.size() > 255) return false;
  for (const char c : host) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '-' || c == ':' || c == '[' || c == ']';
    if (!ok) return false;
  }
  return true;
}

net::Response see_other(std::string location) {
  net::Response r;
  r.status = 303;
  r.headers.set("Location", std::move(location));
  r.headers.set("Cache-Control", "no-store");
  return r;
}

}  // namespace

boost::asio::awaitable<net::Response> post_mcp_authorize(McpRoutes& ctx, net::Request& req) {
  const std::string server_id = req.path_params["server_id"];
  auto target = co_await ctx.tools.authorization_target(server_id);
  if (!target) co_return error_response(target.error());
  if (!plain_host(req.host)) {
    co_return error_response(
        400, "The Host header is not a plain host name; parley cannot build its callback URL");
  }
  const std::string redirect_uri = req.scheme + "://" + req.host + "/api/mcp/oauth/callback";
  auto url =
      co_await ctx.authorizations.begin(server_id, target->url, target->hint, redirect_uri, target->client);
  if (!url) {
    co_return error_response(
        502, "Cannot start the authorization of MCP server '" + server_id + "': " + url.error().message);
  }
  co_return json_response(200,
                          bj::object{{"authorization_url", url.value()}, {"redirect_uri", redirect_uri}});
}

boost::asio::awaitable<net::Response> get_mcp_oauth_callback(McpRoutes& ctx, net::Request& req) {
  auto query = mcp::oauth::parse_query(req.query);
  auto done = co_await ctx.authorizations.complete(std::move(query));
  if (!done) {
    co_return see_other(
        "/settings?mcp_authorization_error=" + mcp::oauth::percent_encode(done.error().message) + "#mcp");
  }
  ctx.tools.retry_server(done.value());
  co_return see_other("/settings?mcp_authorized=" + mcp::oauth::percent_encode(done.value()) + "#mcp");
}

}  // namespace parley::api
