#include "api/http_policy.hpp"

#include <boost/url/parse.hpp>
#include <cmath>

#include "api/openai.hpp"
#include "api/responses.hpp"
#include "core/ids.hpp"
#include "core/log.hpp"
#include "core/log_json.hpp"
#include "core/metrics.hpp"
#include "core/secret_values.hpp"
#include "core/text.hpp"

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
  host = text::lower(host);
  while (!host.empty() && host.back() == '.') host.pop_back();
  return host;
}

// The right-most entry: the one the trusted proxy appended (the address it saw). Everything left of it came
// from the client and proves nothing.
std::string last_list_item(std::string_view v) {
  const auto comma = v.rfind(',');
  return text::trimmed(comma == std::string_view::npos ? v : v.substr(comma + 1), text::kBlanks);
}

bool state_changing(std::string_view method) {
  return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

// "scheme://host[:port]" -> (scheme, host, port) in lower case, the port made explicit; nullopt when it is
// not such an origin ("null", garbage).
struct Origin {
  std::string scheme, host;
  std::uint16_t port = 0;
  bool operator==(const Origin&) const = default;
};

std::optional<Origin> parse_origin(std::string_view text) {
  auto u = boost::urls::parse_absolute_uri(text);
  if (!u || !u->has_authority() || u->host().empty()) return std::nullopt;
  Origin o;
  o.scheme = text::lower(u->scheme());
  if (o.scheme != "http" && o.scheme != "https") return std::nullopt;
  o.host = host_only(u->encoded_host_and_port());
  o.port = u->has_port() ? u->port_number() : (o.scheme == "https" ? 443 : 80);
  return o;
}

bool is_text_content_type(std::string_view ct) {
  const auto type = ct.substr(0, ct.find(';'));
  return net::iequals(type.substr(0, 5), "text/") || net::iequals(type, "application/json") ||
         (type.size() > 5 && net::iequals(type.substr(type.size() - 5), "+json"));
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

bool HttpPolicy::same_origin_or_allowed(const net::Request& req) const {
  const auto origin_header = req.headers.get("Origin");
  if (!origin_header) {
    // No Origin: not a browser's cross-site request, unless the browser says so itself.
    return !net::iequals(req.header("Sec-Fetch-Site"), "cross-site");
  }
  if (allowed_origin(*origin_header)) return true;
  const auto origin = parse_origin(*origin_header);
  if (!origin) return false;  // "null" (sandboxed frames, file: pages) and anything unparsable
  // This server as the client addressed it: the effective scheme and Host (X-Forwarded-* when trusted).
  const auto self =
      parse_origin(req.scheme + "://" + (req.host.empty() ? std::string("localhost") : req.host));
  if (self && *self == *origin) return true;
  if (!ctx_.config.public_url.empty()) {
    if (const auto pub = parse_origin(ctx_.config.public_url); pub && *pub == *origin) return true;
  }
  return false;
}

boost::asio::awaitable<std::optional<net::Response>> HttpPolicy::before(net::Request& req,
                                                                        const net::RouteMatch& match) {
  const auto incoming_id = req.header("X-Request-Id");
  req.request_id = valid_request_id(incoming_id) ? std::string(incoming_id) : new_uuid_hex();

  if (ctx_.config.trust_proxy) {
    if (auto xff = req.headers.get("X-Forwarded-For")) {
      auto client = last_list_item(*xff);
      if (!client.empty()) req.remote_address = client;
    }
    if (auto proto = req.headers.get("X-Forwarded-Proto")) {
      const auto p = last_list_item(*proto);
      if (net::iequals(p, "https")) req.scheme = "https";
    }
    if (auto fh = req.headers.get("X-Forwarded-Host")) {
      const auto h = last_list_item(*fh);
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

  // Cross-site requests that change state are refused in every mode: a page on another site can make the
  // browser send a form or multipart POST (no preflight) even without a cookie to ride on (§0.4, §0.7).
  if (state_changing(req.method) && !same_origin_or_allowed(req)) {
    log::warn("[{}] refused cross-site {} {} (Origin: {}, Sec-Fetch-Site: {})", req.request_id, req.method,
              req.path, req.header("Origin"), req.header("Sec-Fetch-Site"));
    co_return error_response(403,
                             "Cross-site request refused: the request's Origin is not this server; set "
                             "PARLEY_PUBLIC_URL or PARLEY_CORS_ORIGINS to allow it");
  }

  if (auth_on && needs_auth(req, match)) {
    std::string authorization(req.header("Authorization"));
    std::string cookie(req.header("Cookie"));
    const bool ok = co_await ctx_.auth.check(std::move(authorization), std::move(cookie));
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
  // OpenAI's clients read OpenAI's error shape, also from the server's own refusals (413, 404, 405, 403).
  if (req.path.starts_with("/v1/")) reshape_openai_error(res);
  // Upstream error bodies, MCP errors and exports can echo a key: no known secret leaves in a text body.
  // (Attachment bytes are served as they were stored; the UI's files are static_body.)
  if (!res.body.empty() && !res.carries_credential &&
      is_text_content_type(res.headers.get("Content-Type").value_or("")))
    known_secrets().scrub(res.body);
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
  // Route templates only, never raw paths: a client cannot make new series.
  metrics::global().http_request(req.method, req.route_template, status, ms / 1000.0);
  const bool api = req.path.starts_with("/api/") || req.path == "/health" || req.path == "/metrics";
  const auto level = (api || status >= 400) ? log::Level::info : log::Level::debug;
  if (!log::enabled(level)) return;
  const auto line =
      fmt::format("[{}] {} {} {} {:.1f}ms client={}", req.request_id, req.method, req.target,
                  status == 0 ? std::string("-") : std::to_string(status), ms, req.remote_address);
  if (log::format() == log::Format::json) {
    // The access line's parts as fields, for log shippers (the target passes the redactor like the message).
    log::Context context{req.request_id, {}, {}};
    context.fields = {{"method", req.method},
                      {"target", req.target},
                      {"route", req.route_template},
                      {"status", status},
                      {"duration_ms", std::round(ms * 10) / 10},
                      {"client", req.remote_address}};
    log::write_with(level, line, context);
  } else {
    log::write(level, line);
  }
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

bool HttpPolicy::reads_headers_when_completed() const {
  return log::enabled(log::Level::debug);
}

void HttpPolicy::failed(const net::Request& req, const std::exception& e) {
  log::error("[{}] {} {} failed: {}", req.request_id, req.method,
             req.route_template.empty() ? req.path : req.route_template, e.what());
}

void HttpPolicy::filter_sse_frame(std::string& frame) {
  known_secrets().scrub(frame);
}

void HttpPolicy::client_left(const net::Request& req) {
  log::info("[{}] client disconnected from {} stream", req.request_id, req.path);
}

}  // namespace parley::api
