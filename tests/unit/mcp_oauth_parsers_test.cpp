// The OAuth parsers of the MCP client read what remote servers send (WWW-Authenticate, metadata documents,
// token and registration answers): the shapes the specifications give, and hostile or broken input that
// must end in a readable failure, never a crash or a value parley would trust.
#include <gtest/gtest.h>

#include "mcp/oauth/client_identity.hpp"
#include "mcp/oauth/form_encoding.hpp"
#include "mcp/oauth/oauth_metadata.hpp"
#include "mcp/oauth/pkce.hpp"
#include "mcp/oauth/scope_selection.hpp"
#include "mcp/oauth/token_response.hpp"
#include "mcp/oauth/www_authenticate.hpp"

using namespace parley::mcp::oauth;

// --- WWW-Authenticate ----------------------------------------------------------------------------------

TEST(McpOAuthWwwAuthenticate, ReadsTheBearerChallengeOfRfc9728) {
  auto c = parse_www_authenticate(
      R"(Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource", scope="files:read files:write", error="insufficient_scope")");
  ASSERT_EQ(c.size(), 1U);
  EXPECT_EQ(c[0].scheme, "bearer");
  EXPECT_EQ(c[0].params["resource_metadata"], "https://mcp.example.com/.well-known/oauth-protected-resource");
  EXPECT_EQ(c[0].params["scope"], "files:read files:write");
  EXPECT_EQ(c[0].params["error"], "insufficient_scope");
}

TEST(McpOAuthWwwAuthenticate, SeveralChallengesInOneFieldAndCaseInsensitiveNames) {
  auto c = parse_www_authenticate(R"(Basic realm="a, b", BEARER Error=invalid_token, Scope="x")");
  ASSERT_EQ(c.size(), 2U);
  EXPECT_EQ(c[0].scheme, "basic");
  EXPECT_EQ(c[0].params["realm"], "a, b");  // a comma inside quotes does not split
  EXPECT_EQ(c[1].scheme, "bearer");
  EXPECT_EQ(c[1].params["error"], "invalid_token");
  EXPECT_EQ(c[1].params["scope"], "x");
}

TEST(McpOAuthWwwAuthenticate, QuotedStringEscapesAndToken68) {
  auto c = parse_www_authenticate(R"(Bearer error_description="say \"no\" \\ here", Negotiate abc+/def==)");
  ASSERT_EQ(c.size(), 2U);
  EXPECT_EQ(c[0].params["error_description"], R"(say "no" \ here)");
  EXPECT_EQ(c[1].scheme, "negotiate");
  EXPECT_EQ(c[1].token68, "abc+/def==");
}

TEST(McpOAuthWwwAuthenticate, MalformedInputKeepsWhatCameBefore) {
  // An unterminated quote ends the scan; the challenge read so far stays.
  auto c = parse_www_authenticate(R"(Bearer scope="a b, error="oops)");
  ASSERT_EQ(c.size(), 1U);
  EXPECT_EQ(c[0].scheme, "bearer");
  EXPECT_FALSE(c[0].params.contains("error"));
  EXPECT_TRUE(parse_www_authenticate("").empty());
  EXPECT_TRUE(parse_www_authenticate("   ,, ,").empty());
  EXPECT_TRUE(parse_www_authenticate("\"quoted first\"").empty());
  // A trailing backslash inside quotes, control bytes and NULs: no crash, nothing trusted.
  (void)parse_www_authenticate(std::string("Bearer a=\"\\", 12));
  (void)parse_www_authenticate(std::string("Bearer \0x=\x01\xff", 12));
  const std::string huge = "Bearer " + std::string(100000, ',') + "scope=\"" + std::string(100000, 'a');
  (void)parse_www_authenticate(huge);
}

TEST(McpOAuthWwwAuthenticate, FindsTheBearerChallengeAmongFields) {
  EXPECT_FALSE(find_bearer_challenge({}).has_value());
  EXPECT_FALSE(find_bearer_challenge({"Basic realm=x"}).has_value());
  auto b = find_bearer_challenge({"Basic realm=x", R"(Bearer resource_metadata="https://a/b", scope="s1")"});
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->resource_metadata, "https://a/b");
  EXPECT_EQ(b->scope, "s1");
  EXPECT_TRUE(b->error.empty());
  auto bare = find_bearer_challenge({"Bearer"});
  ASSERT_TRUE(bare.has_value());
  EXPECT_FALSE(bare->scope.has_value());
  EXPECT_FALSE(bare->resource_metadata.has_value());
}

// --- metadata documents and URLs -------------------------------------------------------------------------

TEST(McpOAuthMetadata, ProtectedResourceMetadata) {
  auto m = parse_protected_resource_metadata(
      R"({"resource":"https://mcp.example.com/mcp","authorization_servers":["https://as.example.com",7],"scopes_supported":["a","b"]})");
  ASSERT_TRUE(m);
  EXPECT_EQ(m.value().resource, "https://mcp.example.com/mcp");
  EXPECT_EQ(m.value().authorization_servers, std::vector<std::string>{"https://as.example.com"});
  ASSERT_TRUE(m.value().scopes_supported.has_value());
  EXPECT_EQ(m.value().scopes_supported->size(), 2U);
  auto no_scopes = parse_protected_resource_metadata(R"({"resource":"https://x"})");
  ASSERT_TRUE(no_scopes);
  EXPECT_FALSE(no_scopes.value().scopes_supported.has_value());  // absent differs from empty
  EXPECT_FALSE(parse_protected_resource_metadata("{}"));
  EXPECT_FALSE(parse_protected_resource_metadata(R"({"resource":5})"));
  EXPECT_FALSE(parse_protected_resource_metadata("[]"));
  EXPECT_FALSE(parse_protected_resource_metadata("<html>"));
  EXPECT_FALSE(parse_protected_resource_metadata(""));
}

TEST(McpOAuthMetadata, AuthorizationServerMetadataAndItsDefaults) {
  auto m = parse_authorization_server_metadata(
      R"({"issuer":"https://as.example.com","authorization_endpoint":"https://as.example.com/a","token_endpoint":"https://as.example.com/t","code_challenge_methods_supported":["S256"],"client_id_metadata_document_supported":true})");
  ASSERT_TRUE(m);
  EXPECT_EQ(m.value().token_endpoint, "https://as.example.com/t");
  EXPECT_TRUE(m.value().registration_endpoint.empty());
  EXPECT_TRUE(m.value().client_id_metadata_document_supported);
  EXPECT_EQ(m.value().token_endpoint_auth_methods_supported, std::vector<std::string>{"client_secret_basic"});
  EXPECT_FALSE(m.value().scopes_supported.has_value());
  EXPECT_FALSE(parse_authorization_server_metadata(R"({"token_endpoint":"https://t"})"));  // no issuer
  EXPECT_FALSE(parse_authorization_server_metadata(R"({"issuer":"https://i"})"));  // no token endpoint
  EXPECT_FALSE(parse_authorization_server_metadata(R"({"issuer":["x"],"token_endpoint":"https://t"})"));
  auto odd = parse_authorization_server_metadata(
      R"({"issuer":"https://i","token_endpoint":"https://t","client_id_metadata_document_supported":"yes","scopes_supported":"a"})");
  ASSERT_TRUE(odd);
  EXPECT_FALSE(odd.value().client_id_metadata_document_supported);  // only a JSON true counts
  EXPECT_FALSE(odd.value().scopes_supported.has_value());
}

TEST(McpOAuthMetadata, CanonicalResourceUrls) {
  EXPECT_EQ(canonical_resource_url("HTTPS://MCP.Example.COM:443/Mcp#frag"), "https://mcp.example.com/Mcp");
  EXPECT_EQ(canonical_resource_url("http://localhost:80/"), "http://localhost/");
  EXPECT_EQ(canonical_resource_url("http://localhost:8080/mcp?x=1"), "http://localhost:8080/mcp?x=1");
  EXPECT_FALSE(canonical_resource_url("ftp://example.com/"));
  EXPECT_FALSE(canonical_resource_url("https://user:pw@example.com/"));  // credentials refused
  EXPECT_FALSE(canonical_resource_url("/relative"));
  EXPECT_FALSE(canonical_resource_url("https://"));
  EXPECT_FALSE(canonical_resource_url(std::string("https://a\0b/", 12)));
  // Boost.URL reads "//host:x" as an empty port and the path "x": refused, not turned into host "hostx".
  EXPECT_FALSE(canonical_resource_url("HTTPS://MCP.Example.:mp.CNr"));
  for (const char* odd : {"HTTPS://MCP.Example.:", "http://a:/x", "http://A:80", "http://[::1]:8080/mcp"}) {
    auto once = canonical_resource_url(odd);
    if (once) {
      EXPECT_EQ(canonical_resource_url(*once), once) << odd << " -> " << *once;
    }
  }
}

TEST(McpOAuthMetadata, ResourceCoversTheServerOrItsParent) {
  EXPECT_TRUE(resource_covers("https://mcp.example.com/mcp", "https://mcp.example.com/mcp"));
  EXPECT_TRUE(resource_covers("https://mcp.example.com", "https://mcp.example.com/mcp"));
  EXPECT_TRUE(resource_covers("https://mcp.example.com/", "https://mcp.example.com/a/b"));
  EXPECT_TRUE(resource_covers("https://mcp.example.com/a", "https://mcp.example.com/a/b"));
  EXPECT_FALSE(resource_covers("https://mcp.example.com/ab", "https://mcp.example.com/a"));
  EXPECT_FALSE(resource_covers("https://mcp.example.com/a", "https://mcp.example.com/ab"));
  EXPECT_FALSE(resource_covers("https://evil.example.com/mcp", "https://mcp.example.com/mcp"));
  EXPECT_FALSE(resource_covers("http://mcp.example.com/mcp", "https://mcp.example.com/mcp"));
  EXPECT_FALSE(resource_covers("https://mcp.example.com:8443/mcp", "https://mcp.example.com/mcp"));
  EXPECT_FALSE(resource_covers("not a url", "https://mcp.example.com/mcp"));
}

TEST(McpOAuthMetadata, WellKnownUrlsInTheSpecifiedOrder) {
  EXPECT_EQ(
      protected_resource_metadata_urls("https://mcp.example.com/public/mcp"),
      (std::vector<std::string>{"https://mcp.example.com/.well-known/oauth-protected-resource/public/mcp",
                                "https://mcp.example.com/.well-known/oauth-protected-resource"}));
  EXPECT_EQ(protected_resource_metadata_urls("https://mcp.example.com/"),
            (std::vector<std::string>{"https://mcp.example.com/.well-known/oauth-protected-resource"}));
  EXPECT_EQ(
      authorization_server_metadata_urls("https://auth.example.com/tenant1"),
      (std::vector<std::string>{"https://auth.example.com/.well-known/oauth-authorization-server/tenant1",
                                "https://auth.example.com/.well-known/openid-configuration/tenant1",
                                "https://auth.example.com/tenant1/.well-known/openid-configuration"}));
  EXPECT_EQ(authorization_server_metadata_urls("https://auth.example.com"),
            (std::vector<std::string>{"https://auth.example.com/.well-known/oauth-authorization-server",
                                      "https://auth.example.com/.well-known/openid-configuration"}));
  EXPECT_TRUE(authorization_server_metadata_urls("javascript:alert(1)").empty());
  EXPECT_TRUE(protected_resource_metadata_urls("").empty());
}

TEST(McpOAuthMetadata, IssuersCompareCanonicallyOneSlashAside) {
  EXPECT_TRUE(same_issuer("https://AS.example.com", "https://as.example.com/"));
  EXPECT_FALSE(same_issuer("https://as.example.com", "https://as.example.com.evil.net"));
  EXPECT_FALSE(same_issuer("https://as.example.com/t1", "https://as.example.com/t2"));
  EXPECT_FALSE(same_issuer("", ""));
}

TEST(McpOAuthMetadata, FallbackEndpointsOfA20250326Server) {
  auto m = fallback_endpoints("http://localhost:3000/mcp");
  EXPECT_EQ(m.authorization_endpoint, "http://localhost:3000/authorize");
  EXPECT_EQ(m.token_endpoint, "http://localhost:3000/token");
  EXPECT_EQ(m.registration_endpoint, "http://localhost:3000/register");
  EXPECT_TRUE(m.from_fallback);
}

// --- token responses -------------------------------------------------------------------------------------

TEST(McpOAuthTokenResponse, ReadsTokensAndLifetime) {
  auto t = parse_token_response(
      200,
      R"({"access_token":"at-123456","token_type":"bearer","refresh_token":"rt-1","expires_in":3600,"scope":"a b"})");
  ASSERT_TRUE(t);
  EXPECT_EQ(t.value().access_token, "at-123456");
  EXPECT_EQ(t.value().refresh_token, "rt-1");
  EXPECT_EQ(t.value().expires_in, std::chrono::seconds(3600));
  EXPECT_EQ(t.value().scope, "a b");
  auto as_string =
      parse_token_response(200, R"({"access_token":"x","token_type":"Bearer","expires_in":"60"})");
  ASSERT_TRUE(as_string);
  EXPECT_EQ(as_string.value().expires_in, std::chrono::seconds(60));
}

TEST(McpOAuthTokenResponse, HostileLifetimesAreBounded) {
  for (const char* body : {R"({"access_token":"x","token_type":"Bearer","expires_in":-5})",
                           R"({"access_token":"x","token_type":"Bearer","expires_in":"12abc"})",
                           R"({"access_token":"x","token_type":"Bearer","expires_in":null})",
                           R"({"access_token":"x","token_type":"Bearer","expires_in":{}})"}) {
    auto t = parse_token_response(200, body);
    ASSERT_TRUE(t) << body;
    EXPECT_FALSE(t.value().expires_in.has_value()) << body;
  }
  auto huge = parse_token_response(200, R"({"access_token":"x","token_type":"Bearer","expires_in":1e308})");
  ASSERT_TRUE(huge);
  EXPECT_EQ(huge.value().expires_in, std::chrono::seconds(365L * 24 * 3600));
}

TEST(McpOAuthTokenResponse, RefusalsAndBrokenAnswersAreReadableFailures) {
  auto refused = parse_token_response(
      400, "{\"error\":\"invalid_grant\",\"error_description\":\"code\\nexpired\\r\\ninjected: header\"}");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message, "invalid_grant: code expired  injected: header (HTTP 400)");
  EXPECT_EQ(parse_token_response(502, "<html>bad gateway</html>").error().message,
            "the token endpoint answered HTTP 502");
  EXPECT_FALSE(parse_token_response(200, R"({"token_type":"Bearer"})"));
  EXPECT_FALSE(parse_token_response(200, R"({"access_token":"x","token_type":"mac"})"));
  EXPECT_FALSE(parse_token_response(200, R"({"access_token":"x"})"));
  EXPECT_TRUE(parse_token_response(200, R"({"access_token":"x","token_type":"N_A"})", false));
  EXPECT_FALSE(parse_token_response(200, "[]"));
  EXPECT_FALSE(parse_token_response(200, ""));
  const auto long_error = parse_token_response(400, "{\"error\":\"" + std::string(5000, 'e') + "\"}");
  EXPECT_LT(long_error.error().message.size(), 400U);
}

// --- PKCE, scope selection, forms, registration ------------------------------------------------------------

TEST(McpOAuthPkce, S256ChallengeAndFreshValues) {
  // Computed independently (Python: base64url(sha256(verifier)) without padding).
  EXPECT_EQ(s256_challenge("dBjftJeZ4CVP-mJ92IH4O_9Tn_KNb2pD5Zkx8e4WO8A"),
            "5zY1aH_73yspGFCFq8_ohFXv_1oCs6ML2IzEXy0ZgJo");
  const auto a = make_pkce();
  const auto b = make_pkce();
  EXPECT_EQ(a.verifier.size(), 43U);
  EXPECT_NE(a.verifier, b.verifier);
  EXPECT_EQ(a.challenge, s256_challenge(a.verifier));
  for (char c : a.verifier) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_');
  EXPECT_NE(random_state(), random_state());
}

TEST(McpOAuthScopes, SelectionFollowsTheSpecifiedOrder) {
  const std::vector<std::string> resource{"mcp:read", "mcp:write"};
  const std::vector<std::string> with_offline{"mcp:read", "offline_access"};
  EXPECT_EQ(select_scope(std::string("mcp:basic"), resource, std::nullopt), "mcp:basic");
  EXPECT_EQ(select_scope(std::nullopt, resource, std::nullopt), "mcp:read mcp:write");
  EXPECT_EQ(select_scope(std::string("  "), resource, std::nullopt), "mcp:read mcp:write");
  EXPECT_FALSE(select_scope(std::nullopt, std::nullopt, with_offline).has_value());
  EXPECT_FALSE(select_scope(std::nullopt, std::vector<std::string>{}, std::nullopt).has_value());
  EXPECT_EQ(select_scope(std::string("mcp:basic"), std::nullopt, with_offline), "mcp:basic offline_access");
  EXPECT_EQ(merge_scopes("a b", "b c  a d"), "a b c d");
  EXPECT_TRUE(scope_covers("a b c", "c a"));
  EXPECT_FALSE(scope_covers("a b", "a z"));
  EXPECT_EQ(split_scope("\t a  a b\t"), (std::vector<std::string>{"a", "b"}));
}

TEST(McpOAuthForms, EncodingAndTheCallbackQuery) {
  EXPECT_EQ(form_encode({{"a b", "x&y=z"}, {"k", "é"}}), "a%20b=x%26y%3Dz&k=%C3%A9");
  EXPECT_EQ(with_query("https://as/authorize?x=1#f", {{"state", "s"}}), "https://as/authorize?x=1&state=s");
  EXPECT_EQ(with_query("https://as/authorize", {{"a", "1"}}), "https://as/authorize?a=1");
  auto q = parse_query("code=abc%2F&state=s+t&bad=%zz&%=&empty");
  EXPECT_EQ(field(q, "code"), "abc/");
  EXPECT_EQ(field(q, "state"), "s t");
  EXPECT_EQ(field(q, "bad"), "%zz");
  EXPECT_EQ(field(q, "missing"), "");
  // RFC 6749 §2.3.1: id and secret are form-encoded before Basic.
  EXPECT_EQ(basic_authorization("id:1", "s p"), "Basic aWQlM0ExOnMlMjBw");
}

TEST(McpOAuthRegistration, ResponsesAndRefusals) {
  auto ok = parse_registration_response(
      201, R"({"client_id":"c1","client_secret":"s1","token_endpoint_auth_method":"client_secret_post"})");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok.value().client_id, "c1");
  EXPECT_EQ(ok.value().token_endpoint_auth_method, "client_secret_post");
  EXPECT_EQ(ok.value().registration, "dynamic");
  EXPECT_FALSE(parse_registration_response(201, R"({"client_secret":"s"})"));
  EXPECT_FALSE(parse_registration_response(200, "not json"));
  auto refused =
      parse_registration_response(400, R"({"error":"invalid_redirect_uri","error_description":"no"})");
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("invalid_redirect_uri"), std::string::npos);
}
