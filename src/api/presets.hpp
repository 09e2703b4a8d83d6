// Handlers of the preset routes (api.md §2.15): list, default, get, create, update, delete, set-default,
// apply.
#pragma once

#include "api/route_contexts.hpp"
#include "net/http_types.hpp"

namespace parley::api {

boost::asio::awaitable<net::Response> get_presets(PresetRoutes& ctx, net::Request& req);
boost::asio::awaitable<net::Response> get_default_preset(PresetRoutes& ctx, net::Request& req);
boost::asio::awaitable<net::Response> get_preset(PresetRoutes& ctx, net::Request& req);
boost::asio::awaitable<net::Response> post_preset(PresetRoutes& ctx, net::Request& req);
boost::asio::awaitable<net::Response> put_preset(PresetRoutes& ctx, net::Request& req);
boost::asio::awaitable<net::Response> delete_preset(PresetRoutes& ctx, net::Request& req);
boost::asio::awaitable<net::Response> post_preset_set_default(PresetRoutes& ctx, net::Request& req);
boost::asio::awaitable<net::Response> post_preset_apply(PresetRoutes& ctx, net::Request& req);

}  // namespace parley::api
