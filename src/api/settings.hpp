// Handlers of the settings routes: model settings, system prompt (api.md §2.10, §2.11, §2.13, §2.14) and
// suggestions (§2.16).
#pragma once

#include "api/route_contexts.hpp"
#include "net/http_types.hpp"

namespace parley::api {

boost::asio::awaitable<net::Response> get_model_settings(SettingsRoutes& ctx, net::Request& req);
boost::asio::awaitable<net::Response> put_model_settings(SettingsRoutes& ctx, net::Request& req);
// §2.12: how the upstream will route the active model (src/api/active_provider.cpp).
boost::asio::awaitable<net::Response> get_active_provider(ApiContext& ctx, net::Request& req);
boost::asio::awaitable<net::Response> get_system_prompt(SettingsRoutes& ctx, net::Request& req);
boost::asio::awaitable<net::Response> put_system_prompt(SettingsRoutes& ctx, net::Request& req);
boost::asio::awaitable<net::Response> get_suggestions(SettingsRoutes& ctx, net::Request& req);
boost::asio::awaitable<net::Response> post_suggestion(SettingsRoutes& ctx, net::Request& req);
boost::asio::awaitable<net::Response> delete_suggestion(SettingsRoutes& ctx, net::Request& req);
boost::asio::awaitable<net::Response> put_suggestions(SettingsRoutes& ctx, net::Request& req);

}  // namespace parley::api
