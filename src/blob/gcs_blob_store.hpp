// Attachment objects in a Google Cloud Storage bucket: uploads through the XML API with a create-only
// precondition, reads and deletes with an OAuth token obtained from the service-account key (JWT bearer
// grant, cached until shortly before it expires), and V4 RSA-signed GET URLs (api.md §5.3).
#pragma once

#include <filesystem>
#include <mutex>
#include <optional>

#include "blob/blob_store.hpp"
#include "blob/crypto.hpp"
#include "blob/storage_endpoint.hpp"
#include "net/http_client.hpp"

namespace parley::blob {

struct GcsSettings {
  std::string bucket;
  std::string endpoint = "https://storage.googleapis.com";  // GCS_ENDPOINT: API and signed-URL host
  std::filesystem::path credentials_file;                   // GOOGLE_APPLICATION_CREDENTIALS
};

class GcsBlobStore final : public BlobStore {
 public:
  // Reads the service-account key now; what is missing is reported by missing_configuration().
  GcsBlobStore(GcsSettings settings, net::HttpClient& http);

  [[nodiscard]] std::string_view backend() const override { return "gcs"; }
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
  boost::asio::awaitable<Result<std::string, BlobError>> access_token();
  [[nodiscard]] std::string object_url(const std::string& key) const;

  GcsSettings settings_;
  net::HttpClient& http_;
  std::string missing_;
  std::optional<StorageEndpoint> endpoint_;
  std::optional<RsaPrivateKey> key_;
  std::string client_email_;
  std::string private_key_id_;
  std::string token_uri_;

  std::mutex token_mutex_;
  std::string token_;
  SystemTime token_expiry_{};
};

}  // namespace parley::blob
