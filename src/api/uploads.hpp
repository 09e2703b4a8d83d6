// POST /api/uploads (api.md §2.18): streamed multipart upload, type and size checks, storage, 201 with the
// camelCase attachment object; and the legacy download route that always answers 410.
#pragma once

#include "api/route_contexts.hpp"
#include "net/http_types.hpp"

namespace parley::api {

boost::asio::awaitable<net::Response> post_upload(AttachmentRoutes& ctx, net::Request& req);
boost::asio::awaitable<net::Response> get_legacy_upload_content(net::Request& req);

}  // namespace parley::api
