// Handlers of the upstream proxy routes: GET /api/models, GET /api/models/metadata,
// GET /api/chat/generation/{generation_id} (api.md §2.7–§2.9).
#pragma once

#include "api/context.hpp"
#include "net/http_types.hpp"

namespace parley::api {

boost::asio::awaitable<net::Response> get_models(ApiContext& ctx, net::Request& req);
boost::asio::awaitable<net::Response> get_models_metadata(ApiContext& ctx, net::Request& req);
boost::asio::awaitable<net::Response> get_generation(ApiContext& ctx, net::Request& req);

}  // namespace parley::api
