// Answers a request whose header (and body, unless streamed) has been read: the matched route's handler, or
// what no route matches — 405, a JSON 404 for paths the UI never serves, the UI for page paths.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "net/http_types.hpp"
#include "net/request_policy.hpp"
#include "net/router.hpp"
#include "net/server_options.hpp"
#include "net/static_files.hpp"

namespace parley::net {

// Whether `path` is one of `non_ui_paths` (ServerOptions::non_ui_paths).
bool is_non_ui_path(std::string_view path, const std::vector<std::string>& non_ui_paths);

// An exception escaping the handler is a bug: it is reported to the policy and answered with 500.
boost::asio::awaitable<Response> dispatch_request(Request& req, RouteMatch& match,
                                                  const ServerOptions& options, const StaticFiles& ui,
                                                  RequestPolicy& policy);

}  // namespace parley::net
