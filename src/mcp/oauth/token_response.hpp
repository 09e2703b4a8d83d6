// What a token endpoint answers (RFC 6749 §5.1/§5.2, RFC 8693 §2.2 for token exchange): the tokens and their
// lifetime, or the error code and description an authorization server gives when it refuses.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "mcp/failure.hpp"

namespace parley::mcp::oauth {

struct TokenSet {
  std::string access_token;
  std::string token_type;  // "Bearer" (or "N_A" for an RFC 8693 ID-JAG)
  std::optional<std::string> refresh_token;
  std::optional<std::chrono::seconds> expires_in;
  std::optional<std::string> scope;  // the granted scope when the server says it
  std::string issued_token_type;     // RFC 8693 only
};

// `require_bearer`: an access token for an MCP server must be a Bearer token (RFC 6750); a token exchange
// answer carries another type. A refusal is a failure "<error>: <description> (HTTP <status>)" without any
// of the request's secrets.
Result<TokenSet, Failure> parse_token_response(int status, std::string_view body, bool require_bearer = true);

}  // namespace parley::mcp::oauth
