// Attachment objects in any S3-compatible store (AWS S3, MinIO, Cloudflare R2, ...): SigV4-signed PUT
// (create-only with If-None-Match), GET and DELETE requests, and SigV4 presigned GET URLs; path-style or
// virtual-hosted addressing (api.md §5.3).
#pragma once

#include <optional>

#include "blob/blob_store.hpp"
#include "blob/sigv4.hpp"
#include "blob/storage_endpoint.hpp"
#include "net/http_client.hpp"

namespace parley::blob {

struct S3Settings {
  std::string endpoint;  // S3_ENDPOINT
  std::string bucket;    // S3_BUCKET
  std::string region = "us-east-1";
  std::string access_key_id;
  std::string secret_access_key;
  bool force_path_style = true;
};

class S3BlobStore final : public BlobStore {
 public:
  S3BlobStore(S3Settings settings, net::HttpClient& http);

  [[nodiscard]] std::string_view backend() const override { return "s3"; }
  [[nodiscard]] std::string missing_configuration() const override { return missing_; }
  boost::asio::awaitable<Result<void, BlobError>> do_put_new(std::string key, std::string bytes,
                                                             std::string content_type) override;
  boost::asio::awaitable<Result<std::string, BlobError>> do_read(std::string key) override;
  boost::asio::awaitable<Result<void, BlobError>> do_remove(std::string key) override;
  using BlobStore::signed_url;
  [[nodiscard]] std::string signed_url(const std::string& key, std::chrono::seconds ttl,
                                       SystemTime now) const override;
  [[nodiscard]] bool reachable_by_provider() const override { return true; }

 private:
  struct Location {
    std::string origin;  // scheme://authority
    std::string host;    // signed Host value (with a non-default port)
    std::string path;    // decoded path
  };
  [[nodiscard]] Location locate(const std::string& key) const;
  // A signed request for `key` with the given method and body.
  [[nodiscard]] net::ClientRequest signed_request(const std::string& method, const std::string& key,
                                                  std::string body, const std::string& content_type) const;

  S3Settings settings_;
  net::HttpClient& http_;
  std::string missing_;
  std::optional<StorageEndpoint> endpoint_;
};

}  // namespace parley::blob
