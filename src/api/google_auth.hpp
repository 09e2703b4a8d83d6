// Handlers of the Google authorization routes (api.md §2.20) and their extensions for the web UI
// (disconnect, configuration).
#pragma once

#include "api/route_contexts.hpp"
#include "net/http_types.hpp"

namespace parley::api {

boost::asio::awaitable<net::Response> post_google_authorize(GoogleAuthRoutes& ctx, net::Request& req);
boost::asio::awaitable<net::Response> get_google_callback(GoogleAuthRoutes& ctx, net::Request& req);
boost::asio::awaitable<net::Response> get_google_status(GoogleAuthRoutes& ctx, net::Request& req);
boost::asio::awaitable<net::Response> delete_google_authorization(GoogleAuthRoutes& ctx, net::Request& req);
boost::asio::awaitable<net::Response> get_google_config(GoogleAuthRoutes& ctx, net::Request& req);

}  // namespace parley::api
