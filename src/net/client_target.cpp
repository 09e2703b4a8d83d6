#include "net/client_target.hpp"

#include <boost/url/parse.hpp>
#include <string_view>

namespace parley::net {

namespace {

bool header_value_ok(std::string_view v) {
  return v.find_first_of("\r\n") == std::string_view::npos;
}

}  // namespace

std::optional<ClientTarget> parse_client_target(const std::string& url) {
  auto u = boost::urls::parse_absolute_uri(url);
  if (!u) return std::nullopt;
  ClientTarget t;
  if (u->scheme() == "https") {
    t.tls = true;
  } else if (u->scheme() != "http") {
    return std::nullopt;
  }
  t.host = u->encoded_host().decode();
  if (t.host.empty()) return std::nullopt;
  if (t.host.size() > 2 && t.host.front() == '[') t.host = t.host.substr(1, t.host.size() - 2);
  t.port = u->has_port() ? std::string(u->port()) : (t.tls ? "443" : "80");
  t.path_and_query = std::string(u->encoded_path());
  if (t.path_and_query.empty()) t.path_and_query = "/";
  if (u->has_query()) t.path_and_query += "?" + std::string(u->encoded_query());
  return t;
}

std::string serialize_request(const ClientRequest& r, const ClientTarget& t) {
  std::string out = r.method + " " + t.path_and_query + " HTTP/1.1\r\n";
  const bool default_port = (t.tls && t.port == "443") || (!t.tls && t.port == "80");
  const bool v6 = t.host.find(':') != std::string::npos;
  out += "Host: " + (v6 ? "[" + t.host + "]" : t.host) + (default_port ? "" : ":" + t.port) + "\r\n";
  bool has_ua = false;
  for (const auto& [k, v] : r.headers.all()) {
    if (!header_value_ok(k) || !header_value_ok(v) || iequals(k, "Host") || iequals(k, "Content-Length"))
      continue;
    if (iequals(k, "User-Agent")) has_ua = true;
    out += k + ": " + v + "\r\n";
  }
  if (!has_ua) out += "User-Agent: parley/" PARLEY_VERSION "\r\n";
  if (!r.body.empty() || r.method == "POST" || r.method == "PUT" || r.method == "PATCH") {
    out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
  }
  out += "\r\n";
  out += r.body;
  return out;
}

}  // namespace parley::net
