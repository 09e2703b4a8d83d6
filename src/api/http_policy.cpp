#include "api/http_policy.hpp"

#include <boost/url/parse.hpp>

#include "api/responses.hpp"
#include "core/ids.hpp"
#include "core/log.hpp"

namespace parley::api {
namespace {

bool valid_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')) return false;
  }
  return true;
}

// "host:port", "[v6]:port", "host" -> host (lower case, without brackets).
std::string host_only(std::string_view h) {
  std::string host;
  if (!h.empty() && h.front() == '[') {
    const auto close = h.find(']');
    host = std::string(h.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1));
  } else {
    host = std::string(h.substr(0, h.find(':')));
  }
  for (auto& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  while (!host.empty() && host.back() == '.') host.pop_back();
  return host;
}

std::string first_list_item(std::string_view v) {
  auto item = v.substr(0, v.find(','));
  while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
  while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
  return std::string(item);
}

bool needs_auth(const net::Request& req, const net::RouteMatch& match) {
  if (req.method == "OPTIONS") return false;
  const bool api = req.path.starts_with("/api/") || req.path == "/api";
  if (!api && req.path != "/metrics") return false;
  if (match.route && match.route->access == net::Access::open) return false;
  return true;
}

}  // namespace

bool HttpPolicy::host_allowed(std::string_view host_header) const {
  if (host_header.empty()) return true;
  const auto host = host_only(host_header);
  if (is_loopback_host(host)) return true;
  if (!bound_host_.empty() && host == host_only(bound_host_)) return true;
  if (!ctx_.config.public_url.empty()) {
    if (auto u = boost::urls::parse_absolute_uri(ctx_.config.public_url); u && host == host_only(u->host()))
      return true;
  }
  for (const auto& allowed : ctx_.config.allowed_hosts) {
    if (host == host_only(allowed)) return true;
  }
  return false;
}

const std::string* HttpPolicy::allowed_origin(std::string_view origin) const {
  if (origin.empty()) return nullptr;
  for (const auto& o : ctx_.config.cors_origins) {
    if (o == "*" || net::iequals(o, origin)) return &o;
  }
  return nullptr;
}

boost::asio::awaitable<std::optional<net::Response>> HttpPolicy::before(net::Request& req,
                                                                        const net::RouteMatch& match) {
  const auto incoming_id = req.header("X-Request-Id");
  req.request_id = valid_request_id(incoming_id) ? std::string(incoming_id) : new_uuid_hex();

  if (ctx_.config.trust_proxy) {
    if (auto xff = req.headers.get("X-Forwarded-For")) {
      auto client = first_list_item(*xff);
      if (!client.empty()) req.remote_address = client;
    }
    if (auto proto = req.headers.get("X-Forwarded-Proto")) {
      const auto p = first_list_item(*proto);
      if (net::iequals(p, "https")) req.scheme = "https";
    }
    if (auto fh = req.headers.get("X-Forwarded-Host")) {
      const auto h = first_list_item(*fh);
      if (!h.empty()) req.host = h;
    }
  }

  const bool auth_on = ctx_.auth.configured();
  if (!auth_on && req.path != "/health" && !host_allowed(req.host)) {
    co_return error_response(403, "Host not allowed");
  }

  // CORS preflight.
  if (req.method == "OPTIONS" && req.headers.has("Origin") &&
      req.headers.has("Access-Control-Request-Method")) {
    if (!allowed_origin(req.header("Origin"))) co_return error_response(400, "Disallowed CORS origin");
    net::Response res;
    res.status = 200;
    res.headers.set("Access-Control-Allow-Methods", "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT");
    if (auto h = req.headers.get("Access-Control-Request-Headers")) {
      res.headers.set("Access-Control-Allow-Headers", std::string(*h));
    }
    res.headers.set("Access-Control-Max-Age", "600");
    res.headers.set("Content-Type", "text/plain; charset=utf-8");
    co_return res;
  }

  if (auth_on && needs_auth(req, match)) {
    const std::string authorization(req.header("Authorization"));
    const std::string cookie(req.header("Cookie"));
    auto& auth = ctx_.auth;
    // Named lambdas: g++ 12 miscompiles capturing lambdas built inside a co_await expression.
    auto check = [&auth, authorization, cookie] { return auth.authenticate(authorization, cookie); };
    const bool ok = co_await ctx_.blocking.run(std::move(check));
    if (!ok) {
      auto res = error_response(401, "Not authenticated");
      res.headers.set("WWW-Authenticate", "Bearer");
      co_return res;
    }
  }
  co_return std::nullopt;
}

void HttpPolicy::after(const net::Request& req, net::Response& res) {
  if (!req.request_id.empty()) res.headers.set("X-Request-Id", req.request_id);
  if (auto origin = req.headers.get("Origin")) {
    if (const auto* allowed = allowed_origin(*origin)) {
      res.headers.set("Access-Control-Allow-Origin",
                      *allowed == "*" ? std::string("*") : std::string(*origin));
      res.headers.set("Access-Control-Expose-Headers", "X-Request-Id");
      if (*allowed != "*") res.headers.set("Vary", "Origin");
    }
  }
}

void HttpPolicy::completed(const net::Request& req, int status, std::chrono::steady_clock::duration elapsed) {
  const double ms = std::chrono::duration<double, std::milli>(elapsed).count();
  const bool api = req.path.starts_with("/api/") || req.path == "/health" || req.path == "/metrics";
  const auto level = (api || status >= 400) ? log::Level::info : log::Level::debug;
  if (!log::enabled(level)) return;
  log::write(level,
             fmt::format("[{}] {} {} {} {:.1f}ms client={}", req.request_id, req.method, req.target,
                         status == 0 ? std::string("-") : std::to_string(status), ms, req.remote_address));
  if (log::enabled(log::Level::debug)) {
    // Header values pass the redactor like every other log text (Authorization, Cookie, ...).
    std::string headers;
    for (const auto& [name, value] : req.headers.all()) {
      const bool secret = net::iequals(name, "Authorization") || net::iequals(name, "Cookie") ||
                          net::iequals(name, "Proxy-Authorization") || net::iequals(name, "X-Api-Key");
      headers += fmt::format(" | {}: {}", name, secret ? std::string("[REDACTED]") : value);
    }
    log::debug("[{}] request headers:{}", req.request_id, headers);
  }
}

void HttpPolicy::failed(const net::Request& req, const std::exception& e) {
  log::error("[{}] {} {} failed: {}", req.request_id, req.method,
             req.route_template.empty() ? req.path : req.route_template, e.what());
}

void HttpPolicy::client_left(const net::Request& req) {
  log::info("[{}] client disconnected from {} stream", req.request_id, req.path);
}

}  // namespace parley::api
