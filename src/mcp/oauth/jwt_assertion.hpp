// Signed JWTs for the token endpoint (RFC 7523): the private_key_jwt client assertion of the client
// credentials extension (SEP-1046), signed with a PEM private key as ES256 (P-256) or RS256.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <string>
#include <string_view>

#include "mcp/failure.hpp"

namespace parley::mcp::oauth {

// header.payload.signature, base64url; `algorithm` is ES256 or RS256 and must fit the key.
Result<std::string, Failure> sign_jwt(std::string_view private_key_pem, std::string_view algorithm,
                                      const boost::json::object& claims);

// The client assertion: iss = sub = client_id, aud = the authorization server (its issuer), a fresh jti, and
// a lifetime of a few minutes from `now`.
Result<std::string, Failure> client_assertion(std::string_view private_key_pem, std::string_view algorithm,
                                              std::string_view client_id, std::string_view audience,
                                              std::chrono::system_clock::time_point now);

inline constexpr const char* kJwtBearerAssertionType =
    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

}  // namespace parley::mcp::oauth
