// Where an outgoing request goes (scheme, host, port, path and query, from its URL) and the bytes of its
// request line, headers and body on the wire.
#pragma once

#include <optional>
#include <string>

#include "net/http_client.hpp"

namespace parley::net {

struct ClientTarget {
  bool tls = false;
  std::string host;  // without the brackets of an IPv6 literal
  std::string port;
  std::string path_and_query;
  // Connections to the same key are interchangeable (the connection pool's key).
  [[nodiscard]] std::string key() const { return (tls ? "https://" : "http://") + host + ":" + port; }
};

// Null for anything but an absolute http:// or https:// URL with a host.
std::optional<ClientTarget> parse_client_target(const std::string& url);

// Header fields with CR or LF are dropped (no header injection); Host and Content-Length are parley's own.
std::string serialize_request(const ClientRequest& request, const ClientTarget& target);

}  // namespace parley::net
