#include "blob/gcs_signing.hpp"
#include "core/text.hpp"

namespace parley::blob {

std::optional<SignedUrlParts> gcs_sign_url_v4(const GcsSigningRequest& r, const RsaPrivateKey& key) {
  const std::string timestamp = compact_timestamp(r.timestamp);
  const std::string scope = compact_date(r.timestamp) + "/auto/storage/goog4_request";

  NameValues headers;
  headers.emplace_back("host", r.host_header);
  std::string payload_hash = "UNSIGNED-PAYLOAD";
  for (const auto& [name, value] : r.headers) {
    const auto lower = text::lower(name);
    if (lower == "host") continue;
    if (lower == "x-goog-content-sha256") payload_hash = canonical_header_value(value);
    headers.emplace_back(name, value);
  }
  const auto canonical_headers = canonicalize_headers(headers);

  NameValues query = r.query;
  query.emplace_back("X-Goog-Algorithm", "GOOG4-RSA-SHA256");
  query.emplace_back("X-Goog-Credential", r.client_email + "/" + scope);
  query.emplace_back("X-Goog-Date", timestamp);
  query.emplace_back("X-Goog-Expires", std::to_string(r.expires_seconds));
  query.emplace_back("X-Goog-SignedHeaders", canonical_headers.signed_headers);
  const std::string query_text = canonical_query(query);
  const std::string path = uri_encode(r.path.empty() ? "/" : r.path, true);

  SignedUrlParts out;
  out.canonical_request = r.method + "\n" + path + "\n" + query_text + "\n" + canonical_headers.text + "\n" +
                          canonical_headers.signed_headers + "\n" + payload_hash;
  out.string_to_sign =
      "GOOG4-RSA-SHA256\n" + timestamp + "\n" + scope + "\n" + sha256_hex(out.canonical_request);
  const auto signature = key.sign_sha256(out.string_to_sign);
  if (signature.empty()) return std::nullopt;
  out.url =
      r.scheme + "://" + r.authority + path + "?" + query_text + "&X-Goog-Signature=" + lower_hex(signature);
  return out;
}

}  // namespace parley::blob
