// GET/HEAD /api/files/{key} (api.md §8.5): the bytes of local attachments behind HMAC-signed URLs, with
// Range support and headers that keep browsers from sniffing or mis-naming them.
#pragma once

#include "api/route_contexts.hpp"
#include "net/http_types.hpp"

namespace parley::api {

boost::asio::awaitable<net::Response> get_file(AttachmentRoutes& ctx, net::Request& req);

}  // namespace parley::api
