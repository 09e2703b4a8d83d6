#include "mcp/oauth/authorization_flow.hpp"

#include <algorithm>

#include "core/json.hpp"
#include "core/log.hpp"
#include "core/secret_values.hpp"
#include "mcp/oauth/jwt_assertion.hpp"
#include "mcp/oauth/pkce.hpp"

namespace parley::mcp::oauth {

namespace asio = boost::asio;

namespace {

constexpr const char* kTokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange";
constexpr const char* kJwtBearerGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer";
constexpr const char* kIdTokenType = "urn:ietf:params:oauth:token-type:id_token";
constexpr const char* kIdJagType = "urn:ietf:params:oauth:token-type:id-jag";

bool lists(const std::vector<std::string>& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

bool is_loopback_redirect(std::string_view uri) {
  return uri.rfind("http://127.0.0.1:", 0) == 0 || uri.rfind("http://localhost:", 0) == 0 ||
         uri.rfind("http://[::1]:", 0) == 0;
}

// A registration made for one loopback port serves every other (RFC 8252 §7.3); any other redirect must
// match.
bool registration_fits(const ClientIdentity& known, const std::string& issuer,
                       const std::string& redirect_uri) {
  if (known.client_id.empty() || known.registration != "dynamic" || !same_issuer(known.issuer, issuer))
    return false;
  return known.redirect_uri == redirect_uri ||
         (is_loopback_redirect(known.redirect_uri) && is_loopback_redirect(redirect_uri));
}

}  // namespace

asio::awaitable<Result<AuthorizationServerMetadata, Failure>> AuthorizationFlow::server_metadata(
    std::string issuer, bool check_issuer) {
  std::string last_problem;
  for (const auto& url : authorization_server_metadata_urls(issuer)) {
    auto answer = co_await http_.get(url);
    if (!answer) {
      last_problem = answer.error().message;
      continue;
    }
    if (answer.value().status != 200) {
      last_problem = url + " answered HTTP " + std::to_string(answer.value().status);
      continue;
    }
    auto metadata = parse_authorization_server_metadata(answer.value().body);
    if (!metadata) {
      last_problem = url + ": " + metadata.error().message;
      continue;
    }
    // RFC 8414 §3.3: a document for another issuer must not be used (it could send the code elsewhere).
    if (check_issuer && !same_issuer(issuer, metadata.value().issuer)) {
      co_return fail("the authorization server metadata at " + url + " is for issuer '" +
                     metadata.value().issuer + "', not '" + issuer + "'");
    }
    co_return metadata;
  }
  co_return fail(last_problem.empty() ? "no authorization server metadata for " + issuer : last_problem);
}

asio::awaitable<Result<Discovery, Failure>> AuthorizationFlow::discover(
    std::string server_url, std::optional<std::string> resource_metadata_url) {
  Discovery d;
  auto canonical = canonical_resource_url(server_url);
  if (!canonical) co_return fail("'" + server_url + "' is not an http(s) URL");
  d.server_url = *canonical;

  std::vector<std::string> candidates;
  if (resource_metadata_url) candidates.push_back(*resource_metadata_url);
  for (auto& u : protected_resource_metadata_urls(d.server_url)) {
    if (std::find(candidates.begin(), candidates.end(), u) == candidates.end())
      candidates.push_back(std::move(u));
  }
  for (const auto& url : candidates) {
    auto answer = co_await http_.get(url);
    if (!answer || answer.value().status != 200) continue;
    auto metadata = parse_protected_resource_metadata(answer.value().body);
    if (!metadata) {
      log::warn("MCP OAuth: {}: {}", url, metadata.error().message);
      continue;
    }
    // RFC 9728 §3.3 / RFC 8707: tokens for another resource must never be asked for on this server's behalf.
    if (!resource_covers(metadata.value().resource, d.server_url)) {
      co_return fail("the protected resource metadata at " + url + " is for '" + metadata.value().resource +
                     "', not for " + d.server_url + "; parley does not authorize against it");
    }
    d.resource_metadata = std::move(metadata.value());
    break;
  }

  if (d.resource_metadata) {
    if (d.resource_metadata->authorization_servers.empty()) {
      co_return fail("the protected resource metadata of " + d.server_url + " names no authorization server");
    }
    d.resource =
        canonical_resource_url(d.resource_metadata->resource).value_or(d.resource_metadata->resource);
    auto server = co_await server_metadata(d.resource_metadata->authorization_servers.front(), true);
    if (!server) co_return server.error();
    d.server = std::move(server.value());
  } else {
    // A 2025-03-26 server: the authorization server is the MCP server's origin, described at its root or not
    // at all (then the default endpoints).
    d.resource = d.server_url;
    auto server = co_await server_metadata(origin_of(d.server_url), false);
    d.server = server ? std::move(server.value()) : fallback_endpoints(d.server_url);
  }
  co_return d;
}

ClientIdentity AuthorizationFlow::configured_client(const AuthorizationServerMetadata& server) const {
  ClientIdentity c;
  c.client_id = settings_.client_id;
  c.client_secret = settings_.client_secret;
  c.registration = "pre-registered";
  c.issuer = server.issuer;
  if (!settings_.private_key_pem.empty()) {
    c.token_endpoint_auth_method = "private_key_jwt";
  } else if (!c.client_secret.empty()) {
    c.token_endpoint_auth_method = auth_method_for_secret(server);
  } else {
    c.token_endpoint_auth_method = "none";
  }
  return c;
}

asio::awaitable<Result<ClientIdentity, Failure>> AuthorizationFlow::identify(
    Discovery discovery, std::string redirect_uri, std::optional<std::string> scope,
    std::optional<ClientIdentity> known) {
  const auto& server = discovery.server;
  if (!settings_.client_id.empty()) co_return configured_client(server);
  if (known && registration_fits(*known, server.issuer, redirect_uri)) co_return std::move(*known);
  if (!settings_.client_metadata_url.empty() && server.client_id_metadata_document_supported) {
    ClientIdentity c;
    c.client_id = settings_.client_metadata_url;
    c.token_endpoint_auth_method = "none";
    c.registration = "metadata-document";
    c.issuer = server.issuer;
    co_return c;
  }
  if (server.registration_endpoint.empty()) {
    co_return fail("the authorization server " + server.issuer +
                   " offers no dynamic client registration; register parley there and pass --client-id "
                   "(and --client-secret)");
  }
  RegistrationRequest request;
  request.redirect_uris = {redirect_uri};
  request.client_name = settings_.client_name;
  request.token_endpoint_auth_method = preferred_registration_auth_method(server);
  request.scope = scope;
  auto answer =
      co_await http_.post(server.registration_endpoint, "application/json", registration_body(request));
  if (!answer) co_return fail("dynamic client registration failed: " + answer.error().message);
  auto client = parse_registration_response(answer.value().status, answer.value().body);
  if (!client) co_return client;
  auto& c = client.value();
  if (c.token_endpoint_auth_method.empty()) {
    c.token_endpoint_auth_method = c.client_secret.empty() ? "none" : auth_method_for_secret(server);
  }
  c.issuer = server.issuer;
  c.redirect_uri = redirect_uri;
  if (!c.client_secret.empty()) known_secrets().add(c.client_secret);
  log::info("MCP OAuth: registered parley with {} as client {}", server.issuer, c.client_id);
  co_return client;
}

Result<PendingAuthorization, Failure> AuthorizationFlow::begin(const Discovery& discovery,
                                                               ClientIdentity client,
                                                               std::string redirect_uri,
                                                               std::optional<std::string> scope) const {
  const auto& server = discovery.server;
  if (server.authorization_endpoint.empty()) {
    return fail("the authorization server " + server.issuer + " has no authorization endpoint");
  }
  // MCP: PKCE is required, and S256 whenever the server can do it; a server that does not list S256 cannot be
  // trusted to check the verifier.
  if (!server.from_fallback && !lists(server.code_challenge_methods_supported, "S256")) {
    return fail("the authorization server " + server.issuer +
                " does not support PKCE with S256 (code_challenge_methods_supported); parley does not "
                "authorize without it");
  }
  PendingAuthorization p;
  const auto pkce = make_pkce();
  p.code_verifier = pkce.verifier;
  known_secrets().add(p.code_verifier);
  p.state = random_state();
  p.redirect_uri = std::move(redirect_uri);
  p.scope = std::move(scope);
  FormFields query{{"response_type", "code"},         {"client_id", client.client_id},
                   {"redirect_uri", p.redirect_uri},  {"code_challenge", pkce.challenge},
                   {"code_challenge_method", "S256"}, {"state", p.state},
                   {"resource", discovery.resource}};
  if (p.scope) query.emplace_back("scope", *p.scope);
  p.authorization_url = with_query(server.authorization_endpoint, query);
  p.discovery = discovery;
  p.client = std::move(client);
  return p;
}

asio::awaitable<Result<TokenSet, Failure>> AuthorizationFlow::token_request(std::string endpoint,
                                                                            std::string audience,
                                                                            ClientIdentity client,
                                                                            FormFields fields) {
  net::Headers headers;
  const auto& method = client.token_endpoint_auth_method;
  if (method == "client_secret_basic") {
    headers.set("Authorization", basic_authorization(client.client_id, client.client_secret));
  } else if (method == "client_secret_post") {
    fields.emplace_back("client_id", client.client_id);
    fields.emplace_back("client_secret", client.client_secret);
  } else if (method == "private_key_jwt") {
    auto assertion = client_assertion(settings_.private_key_pem, settings_.signing_algorithm,
                                      client.client_id, audience, std::chrono::system_clock::now());
    if (!assertion) co_return assertion.error();
    known_secrets().add(assertion.value());
    fields.emplace_back("client_id", client.client_id);
    fields.emplace_back("client_assertion_type", kJwtBearerAssertionType);
    fields.emplace_back("client_assertion", assertion.value());
  } else {
    fields.emplace_back("client_id", client.client_id);
  }
  auto answer = co_await http_.post(endpoint, "application/x-www-form-urlencoded", form_encode(fields),
                                    std::move(headers));
  if (!answer) co_return fail("the token request failed: " + answer.error().message);
  auto tokens = parse_token_response(answer.value().status, answer.value().body);
  if (!tokens) co_return fail("the authorization server refused to issue a token: " + tokens.error().message);
  co_return tokens;
}

StoredAuthorization AuthorizationFlow::record_of(const Discovery& discovery, const ClientIdentity& client,
                                                 std::string grant, const TokenSet& tokens,
                                                 const std::optional<std::string>& requested_scope) {
  StoredAuthorization r;
  r.server_url = discovery.server_url;
  r.resource = discovery.resource;
  r.issuer = discovery.server.issuer;
  r.token_endpoint = discovery.server.token_endpoint;
  r.client = client;
  r.grant = std::move(grant);
  r.access_token = tokens.access_token;
  r.refresh_token = tokens.refresh_token.value_or("");
  if (tokens.expires_in) r.expires_at = std::chrono::system_clock::now() + *tokens.expires_in;
  r.scope = tokens.scope.value_or(requested_scope.value_or(""));
  register_secrets(r);
  return r;
}

asio::awaitable<Result<StoredAuthorization, Failure>> AuthorizationFlow::complete(
    PendingAuthorization pending, FormFields callback) {
  if (auto error = field(callback, "error"); !error.empty()) {
    auto description = field(callback, "error_description");
    co_return fail("the authorization was refused: " + error.substr(0, 100) +
                   (description.empty() ? "" : ": " + description.substr(0, 300)));
  }
  // The state ties this answer to the request parley made (a forged redirect carries another or none).
  if (field(callback, "state") != pending.state) {
    co_return fail("the authorization answer does not carry the state of parley's request; ignored");
  }
  const auto code = field(callback, "code");
  if (code.empty()) co_return fail("the authorization answer has no code");
  known_secrets().add(code);
  FormFields fields{{"grant_type", "authorization_code"},
                    {"code", code},
                    {"redirect_uri", pending.redirect_uri},
                    {"code_verifier", pending.code_verifier},
                    {"resource", pending.discovery.resource}};
  auto tokens = co_await token_request(pending.discovery.server.token_endpoint,
                                       pending.discovery.server.issuer, pending.client, std::move(fields));
  if (!tokens) co_return tokens.error();
  co_return record_of(pending.discovery, pending.client, "authorization_code", tokens.value(), pending.scope);
}

asio::awaitable<Result<StoredAuthorization, Failure>> AuthorizationFlow::refresh(StoredAuthorization record) {
  if (record.refresh_token.empty()) co_return fail("no refresh token");
  FormFields fields{{"grant_type", "refresh_token"}, {"refresh_token", record.refresh_token}};
  if (!record.resource.empty()) fields.emplace_back("resource", record.resource);
  auto tokens =
      co_await token_request(record.token_endpoint, record.issuer, record.client, std::move(fields));
  if (!tokens) co_return tokens.error();
  record.access_token = tokens.value().access_token;
  // A server that does not rotate refresh tokens keeps the old one valid.
  if (tokens.value().refresh_token) record.refresh_token = *tokens.value().refresh_token;
  record.expires_at.reset();
  if (tokens.value().expires_in)
    record.expires_at = std::chrono::system_clock::now() + *tokens.value().expires_in;
  if (tokens.value().scope) record.scope = *tokens.value().scope;
  register_secrets(record);
  co_return record;
}

asio::awaitable<Result<StoredAuthorization, Failure>> AuthorizationFlow::client_credentials(
    Discovery discovery, std::optional<std::string> scope) {
  if (settings_.client_id.empty()) co_return fail("the client credentials grant needs --client-id");
  if (settings_.client_secret.empty() && settings_.private_key_pem.empty()) {
    co_return fail("the client credentials grant needs a client secret or a private key");
  }
  const auto client = configured_client(discovery.server);
  FormFields fields{{"grant_type", "client_credentials"}, {"resource", discovery.resource}};
  if (scope) fields.emplace_back("scope", *scope);
  auto tokens = co_await token_request(discovery.server.token_endpoint, discovery.server.issuer, client,
                                       std::move(fields));
  if (!tokens) co_return tokens.error();
  co_return record_of(discovery, client, "client_credentials", tokens.value(), scope);
}

asio::awaitable<Result<StoredAuthorization, Failure>> AuthorizationFlow::enterprise_grant(
    Discovery discovery, std::optional<std::string> scope) {
  // 1. At the identity provider: the ID token for an ID-JAG naming this authorization server and resource.
  FormFields exchange{{"grant_type", kTokenExchange},        {"subject_token", settings_.idp_id_token},
                      {"subject_token_type", kIdTokenType},  {"requested_token_type", kIdJagType},
                      {"audience", discovery.server.issuer}, {"resource", discovery.resource}};
  if (scope) exchange.emplace_back("scope", *scope);
  ClientIdentity idp_client;
  idp_client.client_id = settings_.idp_client_id;
  idp_client.client_secret = settings_.idp_client_secret;
  idp_client.token_endpoint_auth_method = settings_.idp_client_secret.empty() ? "none" : "client_secret_post";
  net::Headers none;
  FormFields with_client = exchange;
  if (!idp_client.client_id.empty()) with_client.emplace_back("client_id", idp_client.client_id);
  if (!idp_client.client_secret.empty()) with_client.emplace_back("client_secret", idp_client.client_secret);
  auto answer = co_await http_.post(settings_.idp_token_endpoint, "application/x-www-form-urlencoded",
                                    form_encode(with_client), none);
  if (!answer)
    co_return fail("the token exchange at the identity provider failed: " + answer.error().message);
  auto jag = parse_token_response(answer.value().status, answer.value().body, false);
  if (!jag) co_return fail("the identity provider refused the token exchange: " + jag.error().message);
  known_secrets().add(jag.value().access_token);
  // 2. At the MCP server's authorization server: the ID-JAG for an access token (RFC 7523 JWT bearer grant).
  const auto client = configured_client(discovery.server);
  FormFields grant{{"grant_type", kJwtBearerGrant}, {"assertion", jag.value().access_token}};
  if (scope) grant.emplace_back("scope", *scope);
  auto tokens = co_await token_request(discovery.server.token_endpoint, discovery.server.issuer, client,
                                       std::move(grant));
  if (!tokens) co_return tokens.error();
  co_return record_of(discovery, client, "jwt-bearer", tokens.value(), scope);
}

}  // namespace parley::mcp::oauth
