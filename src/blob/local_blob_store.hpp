// Attachment objects as files under PARLEY_BLOB_DIR (data/blobs), written atomically with mode 0600 and
// never overwritten; their URLs are signed by parley and served by GET /api/files/{key} (api.md §8.5).
#pragma once

#include <filesystem>
#include <optional>

#include "blob/blob_store.hpp"
#include "core/blocking.hpp"

namespace parley::blob {

class LocalBlobStore final : public BlobStore {
 public:
  // `signing_key` holds the raw key bytes; `public_url` is PARLEY_PUBLIC_URL (may be empty).
  LocalBlobStore(std::filesystem::path root, std::string signing_key, bool public_url_set,
                 BlockingPool& blocking);

  [[nodiscard]] std::string_view backend() const override { return "local"; }
  [[nodiscard]] std::string missing_configuration() const override;
  boost::asio::awaitable<Result<void, BlobError>> do_put_new(std::string key, std::string bytes,
                                                             std::string content_type) override;
  boost::asio::awaitable<Result<std::string, BlobError>> do_read(std::string key) override;
  boost::asio::awaitable<Result<void, BlobError>> do_remove(std::string key) override;
  using BlobStore::signed_url;
  [[nodiscard]] std::string signed_url(const std::string& key, std::chrono::seconds ttl,
                                       SystemTime now) const override;
  [[nodiscard]] bool reachable_by_provider() const override { return public_url_set_; }

  // The file of `key` when it lies inside the root (no "..", no absolute path, no symlink leading out);
  // nullopt otherwise. Blocking.
  [[nodiscard]] std::optional<std::filesystem::path> resolve(std::string_view key) const;
  [[nodiscard]] const std::string& signing_key() const { return signing_key_; }

 private:
  std::filesystem::path root_;
  std::string signing_key_;
  bool public_url_set_;
  BlockingPool& blocking_;
};

}  // namespace parley::blob
