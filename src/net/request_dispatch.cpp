#include "net/request_dispatch.hpp"

#include "net/http_messages.hpp"

namespace parley::net {

bool is_non_ui_path(std::string_view path, const std::vector<std::string>& non_ui_paths) {
  for (const auto& p : non_ui_paths) {
    if (p.ends_with('/') ? path.starts_with(p) : path == p) return true;
  }
  return false;
}

boost::asio::awaitable<Response> dispatch_request(Request& req, RouteMatch& match,
                                                  const ServerOptions& options, const StaticFiles& ui,
                                                  RequestPolicy& policy) {
  Response res;
  try {
    if (match.route) {
      req.path_params = std::move(match.params);
      res = co_await match.route->handler(req);
    } else if (match.kind == RouteMatch::Kind::method_not_allowed) {
      res = Response::json(405, json_error("Method Not Allowed"));
      res.headers.set("Allow", match.allow);
    } else if (is_non_ui_path(req.path, options.non_ui_paths)) {
      res = Response::json(404, json_error("Not Found"));
    } else if (req.method == "GET" || req.method == "HEAD") {
      res = ui.serve(req);
    } else {
      res = Response::json(405, json_error("Method Not Allowed"));
      res.headers.set("Allow", "GET, HEAD");
    }
  } catch (const std::exception& e) {
    policy.failed(req, e);
    res = Response::json(500, json_error("Internal Server Error"));
  }
  co_return res;
}

}  // namespace parley::net
