// One interface over the attachment object stores (api.md decision 11, §5.3): local files served by parley
// with HMAC-signed URLs, Google Cloud Storage (V4 RSA-signed URLs) and S3-compatible stores (SigV4).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace parley::blob {

using SystemTime = std::chrono::system_clock::time_point;

// Why a storage operation failed. `message` is readable and never contains a secret.
struct BlobError {
  enum class Kind { failed, exists, not_found } kind = Kind::failed;
  std::string message;

  static BlobError failed(std::string message) { return BlobError{Kind::failed, std::move(message)}; }
};

class BlobStore {
 public:
  virtual ~BlobStore() = default;
  // "local", "gcs" or "s3": the attachments.storage_backend value of the objects it stores.
  [[nodiscard]] virtual std::string_view backend() const = 0;
  // Empty when the store can work; otherwise what is missing, e.g. "S3_BUCKET is not set".
  [[nodiscard]] virtual std::string missing_configuration() const = 0;
  // Stores a new object; never overwrites (Kind::exists when the key is taken).
  boost::asio::awaitable<Result<void, BlobError>> put_new(std::string key, std::string bytes,
                                                          std::string content_type);
  // The object's bytes (inline data: URLs, the pdf tool). Kind::not_found when it does not exist.
  boost::asio::awaitable<Result<std::string, BlobError>> read(std::string key);
  // Deletes the object; an object that does not exist counts as deleted.
  boost::asio::awaitable<Result<void, BlobError>> remove(std::string key);
  // A URL that fetches the object until now + ttl (ttl capped at 7 days). Local storage gives a path relative
  // to parley's base URL ("/api/files/...?exp=..&sig=.."). Empty when the store cannot sign.
  [[nodiscard]] virtual std::string signed_url(const std::string& key, std::chrono::seconds ttl,
                                               SystemTime now) const = 0;
  [[nodiscard]] std::string signed_url(const std::string& key, std::chrono::seconds ttl) const {
    return signed_url(key, ttl, std::chrono::system_clock::now());
  }
  // Whether the model provider can fetch signed URLs itself. Local storage: only with PARLEY_PUBLIC_URL.
  [[nodiscard]] virtual bool reachable_by_provider() const = 0;

 protected:
  // What each backend implements; the public calls above count each operation and its outcome in
  // parley_blob_operations_total.
  virtual boost::asio::awaitable<Result<void, BlobError>> do_put_new(std::string key, std::string bytes,
                                                                     std::string content_type) = 0;
  virtual boost::asio::awaitable<Result<std::string, BlobError>> do_read(std::string key) = 0;
  virtual boost::asio::awaitable<Result<void, BlobError>> do_remove(std::string key) = 0;
};

// The longest signing lifetime GCS and S3 accept.
inline constexpr std::chrono::seconds max_signed_url_lifetime{604800};

}  // namespace parley::blob
