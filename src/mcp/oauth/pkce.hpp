// PKCE (RFC 7636) with S256, the only method MCP allows when a client can compute it, and the `state` that
// ties an authorization response to the request that asked for it. Both come from OpenSSL's CSPRNG.
#pragma once

#include <string>
#include <string_view>

namespace parley::mcp::oauth {

struct Pkce {
  std::string verifier;   // 43 characters of base64url (32 random bytes): a secret until the token request
  std::string challenge;  // BASE64URL(SHA256(verifier))
};

Pkce make_pkce();
std::string s256_challenge(std::string_view verifier);
// 32 random bytes, base64url: the `state` of one authorization request.
std::string random_state();

}  // namespace parley::mcp::oauth
