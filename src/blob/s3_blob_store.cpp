#include "blob/s3_blob_store.hpp"

#include "blob/crypto.hpp"
#include "blob/object_answers.hpp"

namespace parley::blob {

using boost::asio::awaitable;

S3BlobStore::S3BlobStore(S3Settings settings, net::HttpClient& http)
    : settings_(std::move(settings)), http_(http) {
  endpoint_ = parse_storage_endpoint(settings_.endpoint);
  if (!endpoint_) {
    missing_ = "S3_ENDPOINT is not an http(s) URL";
  } else if (settings_.bucket.empty()) {
    missing_ = "S3_BUCKET is not set";
  } else if (settings_.access_key_id.empty() || settings_.secret_access_key.empty()) {
    missing_ = "S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY are not both set";
  } else if (settings_.region.empty()) {
    missing_ = "S3_REGION is not set";
  }
}

S3BlobStore::Location S3BlobStore::locate(const std::string& key) const {
  Location l;
  if (settings_.force_path_style) {
    l.origin = endpoint_->origin();
    l.host = endpoint_->authority;
    l.path = "/" + settings_.bucket + "/" + key;
  } else {
    l.host = settings_.bucket + "." + endpoint_->authority;
    l.origin = endpoint_->scheme + "://" + l.host;
    l.path = "/" + key;
  }
  return l;
}

net::ClientRequest S3BlobStore::signed_request(const std::string& method, const std::string& key,
                                               std::string body, const std::string& content_type) const {
  const auto location = locate(key);
  const auto now = std::chrono::system_clock::now();
  SigV4Request sr;
  sr.method = method;
  sr.path = location.path;
  sr.payload_hash = sha256_hex(body);
  sr.headers = {{"host", location.host},
                {"x-amz-date", compact_timestamp(now)},
                {"x-amz-content-sha256", sr.payload_hash}};
  if (!content_type.empty()) sr.headers.emplace_back("content-type", content_type);
  // Create-only (AWS S3, MinIO and R2 answer 412 when the key exists).
  if (method == "PUT") sr.headers.emplace_back("if-none-match", "*");
  const auto signature = sigv4_sign_headers(sr, {settings_.access_key_id, settings_.secret_access_key, {}},
                                            {settings_.region, "s3", now});
  net::ClientRequest r;
  r.method = method;
  r.url = location.origin + uri_encode(location.path, true);
  for (const auto& [name, value] : sr.headers) {
    if (name != "host") r.headers.add(name, value);
  }
  r.headers.add("Authorization", signature.authorization);
  r.body = std::move(body);
  r.read_timeout = std::chrono::milliseconds(30000);
  return r;
}

awaitable<Result<void, BlobError>> S3BlobStore::do_put_new(std::string key, std::string bytes,
                                                           std::string content_type) {
  if (!missing_.empty()) co_return BlobError::failed(missing_);
  auto request = signed_request("PUT", key, std::move(bytes), content_type);
  request.max_body_bytes = 1 << 20;
  co_return put_answer("S3", co_await http_.fetch(std::move(request)));
}

awaitable<Result<std::string, BlobError>> S3BlobStore::do_read(std::string key) {
  if (!missing_.empty()) co_return BlobError::failed(missing_);
  auto request = signed_request("GET", key, {}, {});
  co_return read_answer("S3", co_await http_.fetch(std::move(request)));
}

awaitable<Result<void, BlobError>> S3BlobStore::do_remove(std::string key) {
  if (!missing_.empty()) co_return BlobError::failed(missing_);
  auto request = signed_request("DELETE", key, {}, {});
  request.max_body_bytes = 1 << 20;
  co_return remove_answer("S3", co_await http_.fetch(std::move(request)));
}

std::string S3BlobStore::signed_url(const std::string& key, std::chrono::seconds ttl, SystemTime now) const {
  if (!missing_.empty()) return {};
  const auto location = locate(key);
  SigV4Request sr;
  sr.method = "GET";
  sr.path = location.path;
  sr.headers = {{"host", location.host}};
  sr.payload_hash = "UNSIGNED-PAYLOAD";
  const auto signature =
      sigv4_presign(sr, {settings_.access_key_id, settings_.secret_access_key, {}},
                    {settings_.region, "s3", std::chrono::time_point_cast<std::chrono::seconds>(now)},
                    std::min(ttl, max_signed_url_lifetime).count());
  return location.origin + uri_encode(location.path, true) + "?" + signature.query;
}

}  // namespace parley::blob
