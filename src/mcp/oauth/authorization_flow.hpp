// OAuth 2.1 for one remote MCP server (MCP 2025-11-25 authorization): discovery (protected resource metadata
// from the challenge or the well-known URLs, then authorization server metadata, with the 2025-03-26
// fallbacks), client identity (pre-registered, metadata document or dynamic registration), the authorization
// code flow with PKCE S256 and resource indicators, refresh, and the grants that need no person: client
// credentials (SEP-1046) and the enterprise-managed ID-JAG exchange (SEP-990).
//
// The authorization code flow is split at the person: begin() gives the URL to open and a
// PendingAuthorization, complete() takes the query of the redirect. The CLI joins them with a local callback;
// the web UI will keep the pending flow by `state` between its "Authorize" button and its callback route.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>

#include "mcp/failure.hpp"
#include "mcp/oauth/client_identity.hpp"
#include "mcp/oauth/form_encoding.hpp"
#include "mcp/oauth/oauth_http.hpp"
#include "mcp/oauth/oauth_metadata.hpp"
#include "mcp/oauth/token_response.hpp"
#include "mcp/oauth/token_store.hpp"

namespace parley::mcp::oauth {

// What the person configured about parley's client (CLI options today).
struct ClientSettings {
  std::string client_id;  // pre-registered; empty: none
  std::string scope;  // asked for instead of the scope chosen from the challenge and metadata; empty: chosen
  std::string client_secret;
  std::string client_metadata_url;  // a Client ID Metadata Document parley is known by; empty: none
  std::string client_name = "parley";
  bool client_credentials = false;  // the client credentials grant instead of a person's authorization
  std::string private_key_pem;      // private_key_jwt client authentication
  std::string signing_algorithm = "ES256";
  // SEP-990: an ID token of the enterprise identity provider, exchanged there for an ID-JAG.
  std::string idp_token_endpoint;
  std::string idp_id_token;
  std::string idp_client_id;
  std::string idp_client_secret;
  [[nodiscard]] bool enterprise() const { return !idp_token_endpoint.empty() && !idp_id_token.empty(); }
};

struct Discovery {
  std::string server_url;                                      // canonical
  std::string resource;                                        // the RFC 8707 resource parley asks tokens for
  std::optional<ProtectedResourceMetadata> resource_metadata;  // absent: a 2025-03-26 server
  AuthorizationServerMetadata server;
};

struct PendingAuthorization {
  std::string authorization_url;  // for the person's browser
  std::string state;
  std::string redirect_uri;
  std::string code_verifier;  // secret until the token request
  std::optional<std::string> scope;
  Discovery discovery;
  ClientIdentity client;
};

class AuthorizationFlow {
 public:
  AuthorizationFlow(OAuthHttp& http, ClientSettings settings) : http_(http), settings_(std::move(settings)) {}

  // `resource_metadata_url`: from the server's WWW-Authenticate challenge, tried before the well-known URLs.
  boost::asio::awaitable<Result<Discovery, Failure>> discover(
      std::string server_url, std::optional<std::string> resource_metadata_url);
  // Who parley is to the discovered server: the configured client, a usable earlier registration (`known`),
  // the metadata document, or a new dynamic registration for `redirect_uri`.
  boost::asio::awaitable<Result<ClientIdentity, Failure>> identify(Discovery discovery,
                                                                   std::string redirect_uri,
                                                                   std::optional<std::string> scope,
                                                                   std::optional<ClientIdentity> known);
  Result<PendingAuthorization, Failure> begin(const Discovery& discovery, ClientIdentity client,
                                              std::string redirect_uri,
                                              std::optional<std::string> scope) const;
  // `callback`: the query parameters the authorization server redirected back with.
  boost::asio::awaitable<Result<StoredAuthorization, Failure>> complete(PendingAuthorization pending,
                                                                        FormFields callback);
  boost::asio::awaitable<Result<StoredAuthorization, Failure>> refresh(StoredAuthorization record);
  boost::asio::awaitable<Result<StoredAuthorization, Failure>> client_credentials(
      Discovery discovery, std::optional<std::string> scope);
  boost::asio::awaitable<Result<StoredAuthorization, Failure>> enterprise_grant(
      Discovery discovery, std::optional<std::string> scope);

  [[nodiscard]] const ClientSettings& settings() const { return settings_; }

 private:
  boost::asio::awaitable<Result<TokenSet, Failure>> token_request(std::string endpoint, std::string audience,
                                                                  ClientIdentity client, FormFields fields);
  boost::asio::awaitable<Result<AuthorizationServerMetadata, Failure>> server_metadata(std::string issuer,
                                                                                       bool check_issuer);
  [[nodiscard]] ClientIdentity configured_client(const AuthorizationServerMetadata& server) const;
  static StoredAuthorization record_of(const Discovery& discovery, const ClientIdentity& client,
                                       std::string grant, const TokenSet& tokens,
                                       const std::optional<std::string>& requested_scope);

  OAuthHttp& http_;
  ClientSettings settings_;
};

}  // namespace parley::mcp::oauth
