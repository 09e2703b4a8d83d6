// Attachments as a service (api.md §2.18, §5.3, §8.5): stores uploads in the selected object store and their
// rows in the history store, hands out (re-)signed URLs, reads objects back, and finds the files that
// GET /api/files/{key} serves. Each row is handled by the store that wrote it, whatever PARLEY_STORAGE says.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "blob/blob_store.hpp"
#include "blob/local_blob_store.hpp"
#include "core/blocking.hpp"
#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/error.hpp"
#include "store/repository.hpp"

namespace parley::chat {

struct NewAttachment {
  std::string session_id;
  std::string filename;   // as the client sent it
  std::string mime_type;  // the sniffed type
  std::string bytes;
};

struct LocalFile {
  store::AttachmentRow row;
  std::string filename;  // original name from the row's metadata ("" when unknown)
  std::string bytes;
};

class AttachmentService {
 public:
  // `local` is always present (it serves /api/files for rows of the local backend); `gcs` and `s3` may be
  // null.
  AttachmentService(const Config& config, store::Repository& repository, BlockingPool& blocking,
                    std::unique_ptr<blob::LocalBlobStore> local, std::unique_ptr<blob::BlobStore> gcs,
                    std::unique_ptr<blob::BlobStore> s3);

  // The store PARLEY_STORAGE selects.
  [[nodiscard]] blob::BlobStore& selected() const;
  // The store of a row's storage_backend (null = gcs, rows of earlier servers); null when not available.
  [[nodiscard]] blob::BlobStore* store_for(const std::optional<std::string>& storage_backend) const;
  [[nodiscard]] blob::LocalBlobStore& local() const { return *local_; }

  // Signing lifetime: ATTACHMENTS_RETENTION_DAYS days capped at 7 days (7 days when retention is 0).
  [[nodiscard]] std::chrono::seconds signing_lifetime() const;

  // Stores the object (create-only), then the row. Errors: 502 "Attachment storage failed: <reason>".
  boost::asio::awaitable<Result<store::AttachmentRow>> store_upload(NewAttachment attachment);

  // The row's URL for serializing: the cached signed URL unless it is missing or expires within one hour,
  // in which case it is re-signed and the cache updated. Local URLs are relative (make them absolute with
  // absolute_url). Empty when the row's store is not available. Blocking (repository write).
  std::string current_url_blocking(store::AttachmentRow& row,
                                   SystemTime now = std::chrono::system_clock::now());
  // Re-signs the attachment fragments of a stored message's content in place (§8.2): image_url.url and
  // metadata.display_url / delivery_url get the current display URL (made absolute on `base` when local),
  // expiries are refreshed; a fragment whose attachment is gone gets an empty URL and metadata.expired.
  // Blocking (repository reads and cache writes).
  void resign_fragments_blocking(boost::json::value& content, const std::string& base);
  // "<base><url>" for relative (local) URLs; other URLs unchanged.
  [[nodiscard]] static std::string absolute_url(const std::string& url, const std::string& base);
  // What the provider should fetch (§2.18 deliveryUrl): the display URL, or for local storage that the
  // provider cannot reach an inline data: URL for images. `display_url` is the absolute display URL.
  boost::asio::awaitable<std::string> delivery_url(store::AttachmentRow row, std::string display_url);
  // The object's bytes, from the row's store.
  boost::asio::awaitable<Result<std::string, blob::BlobError>> read_bytes(store::AttachmentRow row);

  // The local attachment whose storage_path is `key`, with its bytes; nullopt when there is none.
  boost::asio::awaitable<std::optional<LocalFile>> find_local_file(std::string key);

  // DELETE /api/chat/session (§2.5): deletes the conversation with its rows, then at once the objects of its
  // attachments; an object that cannot be deleted keeps its tombstone for the retention reaper. Returns the
  // number of objects deleted.
  boost::asio::awaitable<int> delete_conversation(std::string session_id);

  // One retention pass (§5.6): expired attachments (object first, then row; a failed deletion keeps the
  // row), then pending blob tombstones, then expired login sessions.
  struct ReapReport {
    int attachments_deleted = 0;
    int attachments_kept = 0;
    int tombstones_resolved = 0;
    int tombstones_pending = 0;
  };
  boost::asio::awaitable<ReapReport> reap_once(SystemTime now);
  // Runs reap_once at start-up and then every clamp(ATTACHMENTS_RETENTION_DAYS, 1, 24) hours. With `gate`
  // (blocking; PostgreSQL's advisory lock), a run happens only on the replica holding it (§5.6).
  void start_retention(boost::asio::io_context& ioc, std::function<bool()> gate = {});
  // Runs a retention pass now instead of at the next interval (this replica just took over the job).
  // Thread-safe.
  void run_retention_now();

 private:
  boost::asio::awaitable<void> retention_loop();
  // Deletes a tombstone's object; true when it is gone (the tombstone is then removed, else retried later).
  boost::asio::awaitable<bool> remove_tombstoned_object(store::BlobTombstone tombstone);
  std::function<bool()> retention_gate_;
  boost::asio::io_context* retention_ioc_ = nullptr;
  std::unique_ptr<boost::asio::steady_timer> retention_timer_;
  std::atomic<bool> retention_wake_{false};

  const Config& config_;
  store::Repository& repository_;
  BlockingPool& blocking_;
  std::unique_ptr<blob::LocalBlobStore> local_;
  std::unique_ptr<blob::BlobStore> gcs_;
  std::unique_ptr<blob::BlobStore> s3_;
};

}  // namespace parley::chat
