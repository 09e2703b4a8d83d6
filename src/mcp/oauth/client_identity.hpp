// Who parley is to an authorization server: a pre-registered client (id and secret given by the person), a
// Client ID Metadata Document (the URL is the id), or a client registered on the fly (RFC 7591) — and how it
// authenticates at the token endpoint (client_secret_basic, client_secret_post, private_key_jwt or none).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mcp/failure.hpp"
#include "mcp/oauth/oauth_metadata.hpp"

namespace parley::mcp::oauth {

struct ClientIdentity {
  std::string client_id;
  std::string client_secret;               // empty for a public client
  std::string token_endpoint_auth_method;  // none, client_secret_basic, client_secret_post, private_key_jwt
  std::string registration;                // "pre-registered", "metadata-document" or "dynamic"
  std::string issuer;                      // the authorization server it belongs to (dynamic registration)
  std::string redirect_uri;                // the one registered (dynamic registration)
};

struct RegistrationRequest {
  std::vector<std::string> redirect_uris;
  std::string client_name = "parley";
  std::vector<std::string> grant_types = {"authorization_code", "refresh_token"};
  std::string token_endpoint_auth_method = "none";
  std::optional<std::string> scope;
};

// The RFC 7591 registration request body.
std::string registration_body(const RegistrationRequest& request);
// The registration response; a refusal is a failure with the server's error and description.
Result<ClientIdentity, Failure> parse_registration_response(int status, std::string_view body);

// The token endpoint authentication parley asks for when it registers: none when the server allows public
// clients, else the first of client_secret_basic and client_secret_post it supports.
std::string preferred_registration_auth_method(const AuthorizationServerMetadata& server);
// For a client with a secret and no method named at registration: client_secret_basic unless the server
// only lists client_secret_post (RFC 8414's default list is client_secret_basic alone).
std::string auth_method_for_secret(const AuthorizationServerMetadata& server);

}  // namespace parley::mcp::oauth
