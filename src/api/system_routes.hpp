// Handlers of the routes outside the feature areas: /health, /metrics (§8.6), /favicon.ico, the auth routes
// (§2.1, §2.2, §8.8) and the fixed debugging stream /api/chat/test-stream (§2.4).
#pragma once

#include "api/route_contexts.hpp"
#include "net/http_types.hpp"

namespace parley::api {

boost::asio::awaitable<net::Response> get_health(HealthRoutes& ctx, net::Request& req);
boost::asio::awaitable<net::Response> get_favicon(net::Request& req);
boost::asio::awaitable<net::Response> get_metrics(HealthRoutes& ctx, net::Request& req);
boost::asio::awaitable<net::Response> post_login(AuthRoutes& ctx, net::Request& req);
boost::asio::awaitable<net::Response> post_logout(AuthRoutes& ctx, net::Request& req);
boost::asio::awaitable<net::Response> get_auth_status(AuthRoutes& ctx, net::Request& req);
boost::asio::awaitable<net::Response> get_test_stream(net::Request& req);

}  // namespace parley::api
