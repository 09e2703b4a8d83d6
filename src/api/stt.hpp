// Handler of the speech-to-text route (api.md §2.19).
#pragma once

#include "api/route_contexts.hpp"
#include "net/http_types.hpp"

namespace parley::api {

boost::asio::awaitable<net::Response> post_deepgram_token(SttRoutes& ctx, net::Request& req);

}  // namespace parley::api
