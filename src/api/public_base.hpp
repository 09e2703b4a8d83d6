// Where the URLs in a response point (attachment URLs, §8.2, §2.18): PARLEY_PUBLIC_URL, else the scheme and
// Host of the request.
#pragma once

#include <string>

#include "core/config.hpp"
#include "net/http_types.hpp"

namespace parley::api {

std::string public_base(const Config& config, const net::Request& req);

}  // namespace parley::api
