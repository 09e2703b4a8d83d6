#include "blob/sigv4.hpp"

#include <vector>

#include "blob/crypto.hpp"

namespace parley::blob {

namespace {

std::string credential_scope(const SigV4Scope& s) {
  return compact_date(s.time) + "/" + s.region + "/" + s.service + "/aws4_request";
}

std::string signing_key(const SigV4Credentials& c, const SigV4Scope& s) {
  const auto date_key = hmac_sha256("AWS4" + c.secret_access_key, compact_date(s.time));
  const auto region_key = hmac_sha256(date_key, s.region);
  const auto service_key = hmac_sha256(region_key, s.service);
  return hmac_sha256(service_key, "aws4_request");
}

std::string canonical_path(const SigV4Request& r) {
  const std::string path = r.normalize_path ? sigv4_normalized_path(r.path) : r.path;
  return uri_encode(path.empty() ? "/" : path, true);
}

void finish(SigV4Signature& out, const SigV4Request& r, const std::string& query_text,
            const CanonicalHeaders& headers, const SigV4Credentials& c, const SigV4Scope& s) {
  out.canonical_request = r.method + "\n" + canonical_path(r) + "\n" + query_text + "\n" + headers.text +
                          "\n" + headers.signed_headers + "\n" + r.payload_hash;
  out.string_to_sign = "AWS4-HMAC-SHA256\n" + compact_timestamp(s.time) + "\n" + credential_scope(s) + "\n" +
                       sha256_hex(out.canonical_request);
  out.signature = hmac_sha256_hex(signing_key(c, s), out.string_to_sign);
}

}  // namespace

std::string sigv4_normalized_path(std::string_view path) {
  std::vector<std::string_view> segments;
  std::size_t i = 0;
  while (i <= path.size()) {
    const auto j = path.find('/', i);
    const auto seg = path.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i);
    if (seg == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!seg.empty() && seg != ".") {
      segments.push_back(seg);
    }
    if (j == std::string_view::npos) break;
    i = j + 1;
  }
  std::string out;
  for (const auto seg : segments) {
    out += '/';
    out += seg;
  }
  const bool trailing =
      !path.empty() && (path.back() == '/' || path.ends_with("/.") || path.ends_with("/.."));
  if (out.empty()) return "/";
  if (trailing) out += '/';
  return out;
}

SigV4Signature sigv4_presign(const SigV4Request& r, const SigV4Credentials& c, const SigV4Scope& s,
                             std::int64_t expires_seconds, bool omit_session_token) {
  const auto headers = canonicalize_headers(r.headers);
  NameValues query = r.query;
  query.emplace_back("X-Amz-Algorithm", "AWS4-HMAC-SHA256");
  query.emplace_back("X-Amz-Credential", c.access_key_id + "/" + credential_scope(s));
  query.emplace_back("X-Amz-Date", compact_timestamp(s.time));
  query.emplace_back("X-Amz-Expires", std::to_string(expires_seconds));
  query.emplace_back("X-Amz-SignedHeaders", headers.signed_headers);
  if (!c.session_token.empty() && !omit_session_token)
    query.emplace_back("X-Amz-Security-Token", c.session_token);
  const std::string query_text = canonical_query(query);
  SigV4Signature out;
  finish(out, r, query_text, headers, c, s);
  out.query = query_text;
  if (!c.session_token.empty() && omit_session_token)
    out.query += "&X-Amz-Security-Token=" + uri_encode(c.session_token, false);
  out.query += "&X-Amz-Signature=" + out.signature;
  return out;
}

SigV4Signature sigv4_sign_headers(const SigV4Request& r, const SigV4Credentials& c, const SigV4Scope& s) {
  const auto headers = canonicalize_headers(r.headers);
  SigV4Signature out;
  finish(out, r, canonical_query(r.query), headers, c, s);
  out.authorization = "AWS4-HMAC-SHA256 Credential=" + c.access_key_id + "/" + credential_scope(s) +
                      ", SignedHeaders=" + headers.signed_headers + ", Signature=" + out.signature;
  return out;
}

}  // namespace parley::blob
