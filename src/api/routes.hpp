// The one route table of parley (api.md §1).
#pragma once

#include <span>

#include "api/context.hpp"
#include "net/router.hpp"

namespace parley::api {

using RouteHandler = boost::asio::awaitable<net::Response> (*)(ApiContext&, net::Request&);

struct RouteRow {
  const char* method;
  const char* path;
  RouteHandler handler;
  net::BodyPolicy body;
  net::Access access;
};

// The table itself, also read without a context by the HTTP request fuzzer (tests/fuzz).
std::span<const RouteRow> route_table();
net::Router build_router(ApiContext& ctx);

}  // namespace parley::api
