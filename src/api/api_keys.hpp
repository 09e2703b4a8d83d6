// The keys of the OpenAI-compatible API, for the web UI (docs/openai-api.md): list, create (the key is in
// the answer once), revoke. Behind parley's own authentication like every /api route.
#pragma once

#include "api/route_contexts.hpp"
#include "net/http_types.hpp"

namespace parley::api {

boost::asio::awaitable<net::Response> get_api_keys(ApiKeyRoutes& ctx, net::Request& req);
boost::asio::awaitable<net::Response> post_api_key(ApiKeyRoutes& ctx, net::Request& req);
boost::asio::awaitable<net::Response> delete_api_key(ApiKeyRoutes& ctx, net::Request& req);

}  // namespace parley::api
