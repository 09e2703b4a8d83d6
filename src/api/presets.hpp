// Handlers of the preset routes that read (api.md §2.15): the list, the default preset and one preset.
#pragma once

#include "api/context.hpp"
#include "net/http_types.hpp"

namespace parley::api {

boost::asio::awaitable<net::Response> get_presets(ApiContext& ctx, net::Request& req);
boost::asio::awaitable<net::Response> get_default_preset(ApiContext& ctx, net::Request& req);
boost::asio::awaitable<net::Response> get_preset(ApiContext& ctx, net::Request& req);

}  // namespace parley::api
