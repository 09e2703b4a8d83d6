#include "mcp/oauth/pkce.hpp"

#include <openssl/sha.h>

#include "core/ids.hpp"

namespace parley::mcp::oauth {

namespace {

std::string random_text(std::size_t bytes) {
  const auto random = random_bytes(bytes);
  return base64url_encode(std::string_view(reinterpret_cast<const char*>(random.data()), random.size()));
}

}  // namespace

std::string s256_challenge(std::string_view verifier) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(verifier.data()), verifier.size(), digest);
  return base64url_encode(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

Pkce make_pkce() {
  Pkce p;
  p.verifier = random_text(32);
  p.challenge = s256_challenge(p.verifier);
  return p;
}

std::string random_state() {
  return random_text(32);
}

}  // namespace parley::mcp::oauth
