#include "api/https_redirect.hpp"

#include <algorithm>

#include "api/responses.hpp"
#include "core/ids.hpp"
#include "core/log.hpp"
#include "core/text.hpp"

namespace parley::api {

namespace {

// "name:port", "[v6]:port" or "name": the host as it goes into a URL (brackets kept for IPv6), or empty when
// it is none.
std::string url_host(std::string_view host_header) {
  if (host_header.empty()) return {};
  if (host_header.front() == '[') {
    const auto close = host_header.find(']');
    if (close == std::string_view::npos) return {};
    const auto inside = host_header.substr(1, close - 1);
    if (inside.empty() || inside.find_first_not_of("0123456789abcdefABCDEF:.") != std::string_view::npos)
      return {};
    const auto rest = host_header.substr(close + 1);
    if (!rest.empty() &&
        (rest.front() != ':' || rest.find_first_not_of("0123456789", 1) != std::string_view::npos))
      return {};
    return text::lower(host_header.substr(0, close + 1));
  }
  const auto colon = host_header.find(':');
  const auto name = host_header.substr(0, colon);
  if (colon != std::string_view::npos &&
      host_header.substr(colon + 1).find_first_not_of("0123456789") != std::string_view::npos)
    return {};
  if (name.empty() || name.size() > 253 ||
      name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") !=
          std::string_view::npos)
    return {};
  return text::lower(name);
}

}  // namespace

std::string HttpsRedirectPolicy::location(std::string_view host_header,
                                          std::string_view path_and_query) const {
  const auto host = url_host(host_header);
  if (host.empty()) return {};
  std::string out = "https://" + host;
  if (https_port_ != 443) out += ":" + std::to_string(https_port_);
  out += path_and_query.empty() || path_and_query.front() != '/' ? "/" : "";
  out += path_and_query;
  return out;
}

boost::asio::awaitable<std::optional<net::Response>> HttpsRedirectPolicy::before(net::Request& req,
                                                                                 const net::RouteMatch&) {
  req.request_id = new_uuid_hex();
  const std::string path_and_query = req.query.empty() ? req.path : req.path + "?" + req.query;
  const auto target = location(req.host, path_and_query);
  if (target.empty()) co_return error_response(400, "A Host header naming this server is required");
  // The same check as the main server's (without authentication only its own names), and the names the
  // certificate is for.
  bool allowed = ctx_.auth.configured() || main_.host_allowed(req.host);
  if (!allowed && tls_) {
    const auto names = tls_->info().names;
    auto host = url_host(req.host);
    if (host.starts_with('[')) host = host.substr(1, host.size() - 2);
    allowed = std::find(names.begin(), names.end(), host) != names.end();
  }
  if (!allowed) co_return error_response(403, "Host not allowed");
  net::Response res;
  res.status = 308;
  res.headers.set("Location", target);
  res.headers.set("Content-Type", "text/plain; charset=utf-8");
  res.body = "This server is at " + target + "\n";
  co_return res;
}

void HttpsRedirectPolicy::after(const net::Request& req, net::Response& res) {
  if (!req.request_id.empty()) res.headers.set("X-Request-Id", req.request_id);
}

void HttpsRedirectPolicy::completed(const net::Request& req, int status,
                                    std::chrono::steady_clock::duration elapsed) {
  log::debug("[{}] {} {} {} (HTTPS redirect port) {} ms", req.request_id, req.method, req.path, status,
             std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count());
}

void HttpsRedirectPolicy::failed(const net::Request& req, const std::exception& e) {
  log::error("[{}] HTTPS redirect of {} failed: {}", req.request_id, req.path, e.what());
}

}  // namespace parley::api
