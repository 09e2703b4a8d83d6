// POST /api/uploads (api.md §2.18): streamed multipart upload, type and size checks, storage, 201 with the
// camelCase attachment object; and the legacy download route that always answers 410.
#pragma once

#include "api/context.hpp"
#include "net/http_types.hpp"

namespace parley::api {

boost::asio::awaitable<net::Response> post_upload(ApiContext& ctx, net::Request& req);
boost::asio::awaitable<net::Response> get_legacy_upload_content(ApiContext& ctx, net::Request& req);
// Where attachment URLs of a response point: PARLEY_PUBLIC_URL, else the scheme and Host of the request.
std::string public_base(const ApiContext& ctx, const net::Request& req);

}  // namespace parley::api
