// AWS Signature Version 4 for S3-compatible stores: presigned URLs (query signing) and signed request
// headers, as pure functions (checked against the published SigV4 test suite).
#pragma once

#include <cstdint>
#include <string>

#include "blob/canonical_text.hpp"

namespace parley::blob {

struct SigV4Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty: none
};

struct SigV4Request {
  std::string method = "GET";
  std::string path = "/";       // decoded; each byte outside the unreserved set is encoded once
  bool normalize_path = false;  // S3 never normalises (keys may contain "//" or "..")
  NameValues query;             // decoded
  NameValues headers;           // must include host
  std::string payload_hash = "UNSIGNED-PAYLOAD";
};

struct SigV4Scope {
  std::string region;
  std::string service;
  SystemTime time;
};

struct SigV4Signature {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;      // lower-case hex
  std::string query;          // presign: the encoded query string including X-Amz-Signature
  std::string authorization;  // header signing: the Authorization header value
};

// Presigned URL query. With `omit_session_token` the token is appended after signing (some services).
SigV4Signature sigv4_presign(const SigV4Request& request, const SigV4Credentials& credentials,
                             const SigV4Scope& scope, std::int64_t expires_seconds,
                             bool omit_session_token = false);
// Signs every header of the request (the caller adds x-amz-date, x-amz-content-sha256 and
// x-amz-security-token as the service requires).
SigV4Signature sigv4_sign_headers(const SigV4Request& request, const SigV4Credentials& credentials,
                                  const SigV4Scope& scope);

// RFC 3986 dot-segment removal plus collapsing of empty segments, as SigV4 does for non-S3 services.
std::string sigv4_normalized_path(std::string_view path);

}  // namespace parley::blob
