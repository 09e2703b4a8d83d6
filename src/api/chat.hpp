// POST /api/chat/stream (api.md §2.3, §3): validation before streaming, then the turn as server-sent events.
#pragma once

#include "api/route_contexts.hpp"
#include "net/http_types.hpp"

namespace parley::api {

boost::asio::awaitable<net::Response> post_chat_stream(ChatRoutes& ctx, net::Request& req);

}  // namespace parley::api
