// The one route table of parley (api.md §1).
#pragma once

#include "api/context.hpp"
#include "net/router.hpp"

namespace parley::api {

net::Router build_router(ApiContext& ctx);

}  // namespace parley::api
