// Handlers of the preset routes (api.md §2.15): list, default, get, create, update, delete, set-default,
// apply.
#pragma once

#include "api/context.hpp"
#include "net/http_types.hpp"

namespace parley::api {

boost::asio::awaitable<net::Response> get_presets(ApiContext& ctx, net::Request& req);
boost::asio::awaitable<net::Response> get_default_preset(ApiContext& ctx, net::Request& req);
boost::asio::awaitable<net::Response> get_preset(ApiContext& ctx, net::Request& req);
boost::asio::awaitable<net::Response> post_preset(ApiContext& ctx, net::Request& req);
boost::asio::awaitable<net::Response> put_preset(ApiContext& ctx, net::Request& req);
boost::asio::awaitable<net::Response> delete_preset(ApiContext& ctx, net::Request& req);
boost::asio::awaitable<net::Response> post_preset_set_default(ApiContext& ctx, net::Request& req);
boost::asio::awaitable<net::Response> post_preset_apply(ApiContext& ctx, net::Request& req);

}  // namespace parley::api
