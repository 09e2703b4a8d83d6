// The metadata documents of OAuth discovery, read from what a remote server sent: protected resource metadata
// (RFC 9728) and authorization server metadata (RFC 8414, OpenID Connect Discovery), with the well-known URLs
// to try in the order the MCP specification (2025-11-25) gives, and the checks that bind them together
// (the resource a document names must cover the server parley talks to).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mcp/failure.hpp"

namespace parley::mcp::oauth {

struct ProtectedResourceMetadata {
  std::string resource;
  std::vector<std::string> authorization_servers;  // issuer URLs
  std::optional<std::vector<std::string>> scopes_supported;
};

struct AuthorizationServerMetadata {
  std::string issuer;
  std::string authorization_endpoint;
  std::string token_endpoint;
  std::string registration_endpoint;  // empty: no dynamic client registration
  std::vector<std::string> response_types_supported;
  std::vector<std::string> grant_types_supported;  // RFC 8414 default when absent: code + implicit
  std::vector<std::string> code_challenge_methods_supported;
  std::vector<std::string> token_endpoint_auth_methods_supported;  // default: client_secret_basic
  std::vector<std::string> token_endpoint_auth_signing_alg_values_supported;
  std::optional<std::vector<std::string>> scopes_supported;
  bool client_id_metadata_document_supported = false;
  bool from_fallback = false;  // made up from the 2025-03-26 default endpoints, not read from a document
};

Result<ProtectedResourceMetadata, Failure> parse_protected_resource_metadata(std::string_view body);
Result<AuthorizationServerMetadata, Failure> parse_authorization_server_metadata(std::string_view body);

// `url` without fragment, with lower-case scheme and host and without a default port: the form compared and
// sent as the RFC 8707 resource. nullopt for anything but an absolute http(s) URL.
std::optional<std::string> canonical_resource_url(std::string_view url);
// Whether a document's `resource` covers the server at `server_url`: same origin, and its path is the
// server's path or a parent of it (a server may name its origin as the resource).
bool resource_covers(std::string_view resource, std::string_view server_url);

// Where the protected resource metadata of `server_url` may be: the path-aware well-known URL, then the one
// at the root (RFC 9728 §3.1; the root only once when the server has no path).
std::vector<std::string> protected_resource_metadata_urls(std::string_view server_url);
// Where the metadata of the authorization server `issuer` may be: RFC 8414 path insertion, OpenID Connect
// path insertion, OpenID Connect path appending for an issuer with a path; oauth-authorization-server then
// openid-configuration for one without.
std::vector<std::string> authorization_server_metadata_urls(std::string_view issuer);
// "scheme://host[:port]" of an http(s) URL; empty for anything else.
std::string origin_of(std::string_view url);

// The 2025-03-26 defaults of a server without metadata: /authorize, /token and /register at its origin.
AuthorizationServerMetadata fallback_endpoints(std::string_view server_url);

// Whether `issuer` (from a document) names the authorization server that was asked for (RFC 8414 §3.3), one
// trailing slash aside.
bool same_issuer(std::string_view expected, std::string_view issuer);

}  // namespace parley::mcp::oauth
