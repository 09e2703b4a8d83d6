// Handlers of /api/mcp/servers (api.md §2.17): status, replace, patch one server, refresh.
#pragma once

#include "api/route_contexts.hpp"
#include "net/http_types.hpp"

namespace parley::api {

boost::asio::awaitable<net::Response> get_mcp_servers(McpRoutes& ctx, net::Request& req);
boost::asio::awaitable<net::Response> put_mcp_servers(McpRoutes& ctx, net::Request& req);
boost::asio::awaitable<net::Response> patch_mcp_server(McpRoutes& ctx, net::Request& req);
boost::asio::awaitable<net::Response> post_mcp_refresh(McpRoutes& ctx, net::Request& req);

}  // namespace parley::api
