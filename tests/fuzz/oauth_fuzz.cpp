// Fuzz target for what an MCP server and its authorization server send parley during OAuth
// (mcp/oauth): WWW-Authenticate fields, protected resource and authorization server metadata, token and
// registration answers, and the query of the authorization redirect. Besides "no crash": a challenge's
// values are what the text held, discovered URLs are canonical http(s) URLs, and failures name no secret of
// the answer.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <string>

#include "fuzz_check.hpp"
#include "mcp/oauth/client_identity.hpp"
#include "mcp/oauth/form_encoding.hpp"
#include "mcp/oauth/oauth_metadata.hpp"
#include "mcp/oauth/scope_selection.hpp"
#include "mcp/oauth/token_response.hpp"
#include "mcp/oauth/www_authenticate.hpp"

namespace {

using namespace parley::mcp::oauth;

bool is_http_url(const std::string& url) {
  return url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0;
}

void challenges(const std::string& text) {
  for (const auto& c : parse_www_authenticate(text)) {
    FUZZ_REQUIRE(!c.scheme.empty());
    for (const auto& [name, value] : c.params) {
      FUZZ_REQUIRE(!name.empty() && value.size() <= text.size());
    }
  }
  if (auto bearer = find_bearer_challenge({text})) {
    if (bearer->scope) {
      const auto words = split_scope(*bearer->scope);
      for (const auto& w : words) FUZZ_REQUIRE(!w.empty() && w.find(' ') == std::string::npos);
      FUZZ_REQUIRE(scope_covers(merge_scopes(*bearer->scope, "x"), *bearer->scope));
    }
  }
}

void metadata(const std::string& text) {
  if (auto prm = parse_protected_resource_metadata(text)) {
    FUZZ_REQUIRE(!prm.value().resource.empty());
    for (const auto& url : protected_resource_metadata_urls(prm.value().resource))
      FUZZ_REQUIRE(is_http_url(url));
  }
  if (auto as = parse_authorization_server_metadata(text)) {
    FUZZ_REQUIRE(!as.value().issuer.empty() && !as.value().token_endpoint.empty());
    for (const auto& url : authorization_server_metadata_urls(as.value().issuer))
      FUZZ_REQUIRE(is_http_url(url));
  }
  if (auto canonical = canonical_resource_url(text)) {
    FUZZ_REQUIRE(is_http_url(*canonical));
    FUZZ_REQUIRE(canonical_resource_url(*canonical) == canonical);  // idempotent
    FUZZ_REQUIRE(resource_covers(*canonical, *canonical));
  }
}

void token_answer(int status, const std::string& text) {
  auto tokens = parse_token_response(status, text);
  if (tokens) {
    FUZZ_REQUIRE(status >= 200 && status < 300 && !tokens.value().access_token.empty());
    if (tokens.value().expires_in) FUZZ_REQUIRE(tokens.value().expires_in->count() > 0);
  } else {
    FUZZ_REQUIRE(!tokens.error().message.empty() && tokens.error().message.size() < 800);
    FUZZ_REQUIRE(tokens.error().message.find('\n') == std::string::npos);
  }
  auto client = parse_registration_response(status, text);
  if (client) FUZZ_REQUIRE(!client.value().client_id.empty());
}

void callback_query(const std::string& text) {
  const auto fields = parse_query(text);
  // What parley writes reads back as it.
  FUZZ_REQUIRE(parse_query(form_encode(fields)) == fields);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const auto mode = in.ConsumeIntegralInRange<int>(0, 3);
  const auto status = in.ConsumeIntegralInRange<int>(100, 599);
  const auto text = in.ConsumeRemainingBytesAsString();
  switch (mode) {
    case 0:
      challenges(text);
      break;
    case 1:
      metadata(text);
      break;
    case 2:
      token_answer(status, text);
      break;
    default:
      callback_query(text);
      break;
  }
  return 0;
}
