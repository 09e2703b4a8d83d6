// Google Cloud Storage V4 signed URLs (GOOG4-RSA-SHA256): the canonical request, the string to sign and the
// final URL, as a pure function of the request and the service-account key (checked against Google's
// published conformance vectors).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "blob/canonical_text.hpp"
#include "blob/crypto.hpp"

namespace parley::blob {

struct GcsSigningRequest {
  std::string method = "GET";
  std::string scheme = "https";
  std::string authority;    // host[:port] as written in the URL
  std::string host_header;  // the value signed as `host` (the host name without a port)
  std::string path;         // decoded resource path, e.g. "/bucket/a b.png" (or "/a b.png" virtual-hosted)
  NameValues headers;       // extra headers the request will carry (signed)
  NameValues query;         // extra query parameters (decoded)
  SystemTime timestamp;
  std::int64_t expires_seconds = 0;  // 1..604800
  std::string client_email;
};

struct SignedUrlParts {
  std::string canonical_request;
  std::string string_to_sign;
  std::string url;
};

// nullopt when the key cannot sign.
std::optional<SignedUrlParts> gcs_sign_url_v4(const GcsSigningRequest& request, const RsaPrivateKey& key);

}  // namespace parley::blob
