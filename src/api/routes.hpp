// The one route table of parley (api.md §1).
#pragma once

#include <span>

#include "api/route_contexts.hpp"
#include "net/router.hpp"

namespace parley::api {

struct RouteRow {
  const char* method;
  const char* path;
  // Binds the row's handler to its route group's context.
  net::Handler (*bind)(const RouteContexts& contexts);
  net::BodyPolicy body;
  net::Access access;
};

// The table itself, also read without contexts by the HTTP request fuzzer (tests/fuzz).
std::span<const RouteRow> route_table();
net::Router build_router(const RouteContexts& contexts);

}  // namespace parley::api
