#include "blob/gcs_blob_store.hpp"

#include <boost/json.hpp>

#include "blob/gcs_signing.hpp"
#include "blob/object_answers.hpp"
#include "core/atomic_file.hpp"
#include "core/ids.hpp"
#include "core/json.hpp"
#include "core/secret_values.hpp"

namespace parley::blob {

namespace bj = boost::json;
using boost::asio::awaitable;

namespace {

constexpr auto kStorageTimeout = std::chrono::milliseconds(30000);

std::int64_t unix_seconds(SystemTime t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

net::ClientRequest storage_request(std::string method, std::string url) {
  net::ClientRequest r;
  r.method = std::move(method);
  r.url = std::move(url);
  r.read_timeout = kStorageTimeout;
  return r;
}

}  // namespace

GcsBlobStore::GcsBlobStore(GcsSettings settings, net::HttpClient& http)
    : settings_(std::move(settings)), http_(http) {
  endpoint_ = parse_storage_endpoint(settings_.endpoint);
  if (!endpoint_) {
    missing_ = "GCS_ENDPOINT is not an http(s) URL";
    return;
  }
  if (settings_.bucket.empty()) {
    missing_ = "GCS_BUCKET_NAME is not set";
    return;
  }
  std::error_code ec;
  const auto text = read_file(settings_.credentials_file, ec);
  if (!text) {
    missing_ = "the service-account key file " + settings_.credentials_file.string() +
               " (GOOGLE_APPLICATION_CREDENTIALS) cannot be read";
    return;
  }
  const auto parsed = json::parse(*text);
  if (!parsed || !parsed->is_object()) {
    missing_ = "the service-account key file " + settings_.credentials_file.string() + " is not JSON";
    return;
  }
  const auto& o = parsed->get_object();
  client_email_ = parley::json::string_member(o, "client_email");
  private_key_id_ = parley::json::string_member(o, "private_key_id");
  token_uri_ = parley::json::string_member(o, "token_uri");
  if (token_uri_.empty()) token_uri_ = "https://oauth2.googleapis.com/token";
  const auto pem = parley::json::string_member(o, "private_key");
  known_secrets().add(pem);  // masked wherever parley writes text out (api.md §0.8)
  key_ = RsaPrivateKey::from_pem(pem);
  if (client_email_.empty() || !key_) {
    missing_ = "the service-account key file " + settings_.credentials_file.string() +
               " lacks client_email or an RSA private_key";
    key_.reset();
  }
}

std::string GcsBlobStore::object_url(const std::string& key) const {
  return endpoint_->origin() + "/" + settings_.bucket + "/" + uri_encode(key, true);
}

awaitable<Result<std::string, BlobError>> GcsBlobStore::access_token() {
  const auto now = std::chrono::system_clock::now();
  {
    std::lock_guard lock(token_mutex_);
    if (!token_.empty() && now + std::chrono::seconds(60) < token_expiry_) co_return token_;
  }
  const auto iat = unix_seconds(now);
  bj::object header{{"alg", "RS256"}, {"typ", "JWT"}};
  if (!private_key_id_.empty()) header["kid"] = private_key_id_;
  const bj::object claims{{"iss", client_email_},
                          {"scope", "https://www.googleapis.com/auth/devstorage.read_write"},
                          {"aud", token_uri_},
                          {"iat", iat},
                          {"exp", iat + 3600}};
  const std::string signing_input =
      base64url_encode(json::serialize(header)) + "." + base64url_encode(json::serialize(claims));
  const auto signature = key_->sign_sha256(signing_input);
  if (signature.empty())
    co_return BlobError::failed("cannot sign the token request with the service-account key");

  auto request = storage_request("POST", token_uri_);
  request.headers.add("Content-Type", "application/x-www-form-urlencoded");
  request.body =
      "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=" + signing_input + "." +
      base64url_encode(signature);
  request.max_body_bytes = 65536;
  auto result = co_await http_.fetch(std::move(request));
  if (!result) co_return BlobError::failed("GCS token endpoint unreachable: " + result.error().message);
  if (result->status != 200)
    co_return BlobError::failed("GCS token endpoint answered " + std::to_string(result->status));
  const auto body = json::parse(result->body);
  if (!body || !body->is_object()) co_return BlobError::failed("GCS token endpoint answered no JSON");
  const auto token = parley::json::string_member(body->get_object(), "access_token");
  if (token.empty()) co_return BlobError::failed("GCS token endpoint answered no access_token");
  std::int64_t expires_in = 3600;
  if (const auto* e = body->get_object().if_contains("expires_in"); e && e->is_number()) {
    expires_in = e->to_number<std::int64_t>();
  }
  known_secrets().set("gcs_access_token:" + client_email_, token);
  std::lock_guard lock(token_mutex_);
  token_ = token;
  token_expiry_ = now + std::chrono::seconds(expires_in);
  co_return token;
}

awaitable<Result<void, BlobError>> GcsBlobStore::do_put_new(std::string key, std::string bytes,
                                                            std::string content_type) {
  if (!missing_.empty()) co_return BlobError::failed(missing_);
  auto token = co_await access_token();
  if (!token) co_return token.error();
  auto request = storage_request("PUT", object_url(key));
  request.headers.add("Authorization", "Bearer " + *token);
  request.headers.add("Content-Type", content_type);
  // Create-only: the write fails with 412 when an object of that name exists.
  request.headers.add("x-goog-if-generation-match", "0");
  request.body = std::move(bytes);
  request.max_body_bytes = 1 << 20;
  co_return put_answer("GCS", co_await http_.fetch(std::move(request)));
}

awaitable<Result<std::string, BlobError>> GcsBlobStore::do_read(std::string key) {
  if (!missing_.empty()) co_return BlobError::failed(missing_);
  auto token = co_await access_token();
  if (!token) co_return token.error();
  auto request = storage_request("GET", object_url(key));
  request.headers.add("Authorization", "Bearer " + *token);
  co_return read_answer("GCS", co_await http_.fetch(std::move(request)));
}

awaitable<Result<void, BlobError>> GcsBlobStore::do_remove(std::string key) {
  if (!missing_.empty()) co_return BlobError::failed(missing_);
  auto token = co_await access_token();
  if (!token) co_return token.error();
  auto request = storage_request("DELETE", object_url(key));
  request.headers.add("Authorization", "Bearer " + *token);
  request.max_body_bytes = 1 << 20;
  co_return remove_answer("GCS", co_await http_.fetch(std::move(request)));
}

std::string GcsBlobStore::signed_url(const std::string& key, std::chrono::seconds ttl, SystemTime now) const {
  if (!missing_.empty()) return {};
  GcsSigningRequest r;
  r.method = "GET";
  r.scheme = endpoint_->scheme;
  r.authority = endpoint_->authority;
  r.host_header = endpoint_->host;
  r.path = "/" + settings_.bucket + "/" + key;
  r.timestamp = std::chrono::time_point_cast<std::chrono::seconds>(now);
  r.expires_seconds = std::min(ttl, max_signed_url_lifetime).count();
  r.client_email = client_email_;
  auto signed_parts = gcs_sign_url_v4(r, *key_);
  return signed_parts ? signed_parts->url : std::string();
}

}  // namespace parley::blob
