#include "chat/attachment_service.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <charconv>

#include "blob/local_signing.hpp"
#include "blob/object_key.hpp"
#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/json.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"

namespace parley::chat {

using blob::attachment_id_of_key;
using blob::attachment_object_key;
using blob::local_signed_path;
using blob::max_signed_url_lifetime;

namespace bj = boost::json;
using boost::asio::awaitable;

namespace {

// Whether a cached local URL carries this process's signature: replicas that each had a key of their own
// before they shared one cached URLs the others refuse, so such a URL is signed again instead of served.
bool signed_with(const std::string& url, const std::string& key_bytes, const std::string& object_key) {
  const auto at = url.rfind("?exp=");
  if (at == std::string::npos || key_bytes.empty()) return false;
  const auto* first = url.data() + at + 5;
  std::int64_t exp = 0;
  if (std::from_chars(first, url.data() + url.size(), exp).ec != std::errc()) return false;
  return url == local_signed_path(key_bytes, object_key, exp);
}

SystemTime whole_seconds(SystemTime t) {
  return std::chrono::time_point_cast<std::chrono::seconds>(t);
}

std::string metadata_filename(const store::AttachmentRow& row) {
  if (!row.metadata) return {};
  const auto parsed = json::parse(*row.metadata);
  if (!parsed || !parsed->is_object()) return {};
  const auto* name = parsed->get_object().if_contains("filename");
  return name && name->is_string() ? std::string(name->get_string()) : std::string();
}

}  // namespace

AttachmentService::AttachmentService(const Config& config, store::Repository& repository,
                                     BlockingPool& blocking, std::unique_ptr<blob::LocalBlobStore> local,
                                     std::unique_ptr<blob::BlobStore> gcs,
                                     std::unique_ptr<blob::BlobStore> s3)
    : config_(config),
      repository_(repository),
      blocking_(blocking),
      local_(std::move(local)),
      gcs_(std::move(gcs)),
      s3_(std::move(s3)) {}

blob::BlobStore& AttachmentService::selected() const {
  if (config_.storage == "gcs" && gcs_) return *gcs_;
  if (config_.storage == "s3" && s3_) return *s3_;
  return *local_;
}

blob::BlobStore* AttachmentService::store_for(const std::optional<std::string>& backend) const {
  const std::string name = backend.value_or("gcs");
  if (name == "local") return local_.get();
  if (name == "gcs") return gcs_.get();
  if (name == "s3") return s3_.get();
  return nullptr;
}

std::chrono::seconds AttachmentService::signing_lifetime() const {
  const int days = config_.attachments_retention_days;
  if (days <= 0) return max_signed_url_lifetime;
  return std::min<std::chrono::seconds>(std::chrono::hours(24) * days, max_signed_url_lifetime);
}

awaitable<Result<store::AttachmentRow>> AttachmentService::store_upload(NewAttachment a) {
  blob::BlobStore& target = selected();
  const auto now = whole_seconds(std::chrono::system_clock::now());
  store::AttachmentRow row;
  row.attachment_id = new_uuid_hex();
  row.session_id = a.session_id;
  row.storage_path = attachment_object_key(a.session_id, row.attachment_id, a.filename);
  row.mime_type = a.mime_type;
  row.size_bytes = static_cast<std::int64_t>(a.bytes.size());
  row.storage_backend = std::string(target.backend());
  if (target.backend() == "gcs") row.gcs_blob = row.storage_path;
  row.metadata = json::serialize(
      bj::object{{"mime_type", a.mime_type}, {"size_bytes", row.size_bytes}, {"filename", a.filename}});
  row.created_at = now;
  row.last_used_at = now;
  if (config_.attachments_retention_days > 0)
    row.expires_at = now + std::chrono::hours(24) * config_.attachments_retention_days;

  auto stored = co_await target.put_new(row.storage_path, std::move(a.bytes), a.mime_type);
  if (!stored)
    co_return Error::make(ErrorKind::upstream_failed, "Attachment storage failed: " + stored.error().message);

  const auto lifetime = signing_lifetime();
  const auto url = target.signed_url(row.storage_path, lifetime, now);
  row.display_url = url;
  row.delivery_url = url;
  row.signed_url = url;
  row.signed_url_expires_at = format_utc_offset(now + lifetime);

  auto* repo = &repository_;
  auto insert = [repo, row]() -> bool {
    try {
      repo->insert_attachment(row);
      return true;
    } catch (const store::DatabaseError& e) {
      log::error("Cannot store the attachment row {}: {}", row.attachment_id, e.what());
      return false;
    }
  };
  if (!co_await blocking_.run(std::move(insert))) {
    // No object without a row: take the object back (the reaper's tombstones cannot know about it).
    auto removed = co_await target.remove(row.storage_path);
    if (!removed) log::warn("Cannot remove the object of an unsaved attachment: {}", removed.error().message);
    co_return Error::internal();
  }
  metrics::global().attachment_uploaded(target.backend(), static_cast<std::size_t>(row.size_bytes));
  co_return row;
}

std::string AttachmentService::current_url_blocking(store::AttachmentRow& row, SystemTime now) {
  if (row.signed_url && !row.signed_url->empty() && row.signed_url_expires_at) {
    const auto expiry = parse_timestamp(*row.signed_url_expires_at);
    const bool local = row.storage_backend.value_or("gcs") == "local";
    if (expiry && *expiry > now + std::chrono::hours(1) &&
        (!local || signed_with(*row.signed_url, local_->signing_key(), row.storage_path))) {
      return *row.signed_url;
    }
  }
  blob::BlobStore* store = store_for(row.storage_backend);
  if (!store || !store->missing_configuration().empty()) return {};
  const auto signed_at = whole_seconds(now);
  const auto lifetime = signing_lifetime();
  const auto url = store->signed_url(row.storage_path, lifetime, signed_at);
  if (url.empty()) return {};
  const auto expires = format_utc_offset(signed_at + lifetime);
  repository_.update_attachment_urls(row.attachment_id, url, expires);
  row.display_url = row.delivery_url = url;
  row.signed_url = url;
  row.signed_url_expires_at = expires;
  return url;
}

void AttachmentService::resign_fragments_blocking(bj::value& content, const std::string& base) {
  if (!content.is_array()) return;
  for (auto& fragment : content.as_array()) {
    if (!fragment.is_object()) continue;
    auto& f = fragment.as_object();
    auto* meta = f.if_contains("metadata");
    if (!meta || !meta->is_object()) continue;
    auto& m = meta->as_object();
    const auto* id = m.if_contains("attachment_id");
    if (!id || !id->is_string()) continue;
    auto row = repository_.find_attachment(std::string(id->get_string()));
    const std::string url = row ? current_url_blocking(*row) : std::string();
    if (url.empty()) {
      m["expired"] = true;
      // `m` points into `f`: nothing is added to `f` before this point.
      if (auto* image = f.if_contains("image_url"); image && image->is_object()) {
        image->as_object()["url"] = "";
      } else {
        bj::object empty_url(f.storage());
        empty_url["url"] = "";
        f["image_url"] = std::move(empty_url);
      }
      continue;
    }
    const auto shown = absolute_url(url, base);
    if (auto* image = f.if_contains("image_url"); image && image->is_object())
      image->as_object()["url"] = shown;
    m["display_url"] = shown;
    m["delivery_url"] = shown;
    if (row->expires_at) m["expires_at"] = format_iso_utc_z(*row->expires_at);
    if (row->signed_url_expires_at) {
      if (const auto t = parse_timestamp(*row->signed_url_expires_at))
        m["signed_url_expires_at"] = format_iso_utc_z(*t);
    }
  }
}

std::string AttachmentService::absolute_url(const std::string& url, const std::string& base) {
  if (!url.empty() && url.front() == '/') return base + url;
  return url;
}

awaitable<std::string> AttachmentService::delivery_url(store::AttachmentRow row, std::string display_url) {
  blob::BlobStore* store = store_for(row.storage_backend);
  if (!store || store->reachable_by_provider() || !row.mime_type.starts_with("image/")) co_return display_url;
  auto bytes = co_await store->read(row.storage_path);
  if (!bytes) co_return display_url;
  co_return "data:" + row.mime_type + ";base64," + base64_encode(*bytes);
}

awaitable<Result<std::string, blob::BlobError>> AttachmentService::read_bytes(store::AttachmentRow row) {
  blob::BlobStore* store = store_for(row.storage_backend);
  if (!store)
    co_return blob::BlobError{blob::BlobError::Kind::failed,
                              "the attachment's storage backend is not available"};
  co_return co_await store->read(row.storage_path);
}

awaitable<std::optional<LocalFile>> AttachmentService::find_local_file(std::string key) {
  const auto id = attachment_id_of_key(key);
  if (!id) co_return std::nullopt;
  auto* repo = &repository_;
  const std::string attachment_id = *id;
  auto lookup = [repo, attachment_id] { return repo->find_attachment(attachment_id); };
  auto row = co_await blocking_.run(std::move(lookup));
  if (!row || row->storage_path != key || row->storage_backend.value_or("gcs") != "local")
    co_return std::nullopt;
  auto bytes = co_await local_->read(key);
  if (!bytes) co_return std::nullopt;
  LocalFile file{std::move(*row), {}, std::move(*bytes)};
  file.filename = metadata_filename(file.row);
  co_return file;
}

awaitable<bool> AttachmentService::remove_tombstoned_object(store::BlobTombstone t) {
  blob::BlobStore* store = store_for(t.storage_backend);
  bool gone = false;
  std::string why = "its storage backend is not configured";
  if (store && store->missing_configuration().empty()) {
    auto removed = co_await store->remove(t.storage_key);
    gone = static_cast<bool>(removed);
    if (!removed) why = removed.error().message;
  }
  if (!gone) {
    log::warn("Cannot delete the {} object {} of a deleted conversation ({}); the retention job retries it",
              t.storage_backend, t.storage_key, why);
  }
  auto* repo = &repository_;
  auto resolve = [repo, t, gone] { repo->resolve_tombstone(t, gone); };
  co_await blocking_.run(std::move(resolve));
  co_return gone;
}

awaitable<int> AttachmentService::delete_conversation(std::string session_id) {
  auto* repo = &repository_;
  auto remove_rows = [repo, session_id] { return repo->delete_conversation(session_id); };
  const auto tombstones = co_await blocking_.run(std::move(remove_rows));
  int deleted = 0;
  for (const auto& t : tombstones) deleted += (co_await remove_tombstoned_object(t)) ? 1 : 0;
  co_return deleted;
}

awaitable<AttachmentService::ReapReport> AttachmentService::reap_once(SystemTime now) {
  ReapReport report;
  auto* repo = &repository_;
  auto list_expired = [repo, now] { return repo->expired_attachments(now, 1000); };
  const auto expired = co_await blocking_.run(std::move(list_expired));
  for (const auto& row : expired) {
    blob::BlobStore* store = store_for(row.storage_backend);
    if (!store || !store->missing_configuration().empty()) {
      ++report.attachments_kept;
      continue;
    }
    auto removed = co_await store->remove(row.storage_path);
    if (!removed) {
      log::warn("Retention: cannot delete the object of attachment {} ({}); retrying at the next run",
                row.attachment_id, removed.error().message);
      ++report.attachments_kept;
      continue;
    }
    const std::string id = row.attachment_id;
    auto delete_row = [repo, id] { repo->delete_attachment(id); };
    co_await blocking_.run(std::move(delete_row));
    ++report.attachments_deleted;
  }

  auto list_tombstones = [repo] { return repo->pending_tombstones(1000); };
  const auto tombstones = co_await blocking_.run(std::move(list_tombstones));
  for (const auto& t : tombstones) {
    ++((co_await remove_tombstoned_object(t)) ? report.tombstones_resolved : report.tombstones_pending);
  }

  auto sessions = [repo, now] { return repo->delete_expired_sessions(now); };
  co_await blocking_.run(std::move(sessions));
  co_return report;
}

awaitable<void> AttachmentService::retention_loop() {
  const auto interval = std::chrono::hours(std::clamp(config_.attachments_retention_days, 1, 24));
  auto& timer = *retention_timer_;
  for (;;) {
    retention_wake_ = false;
    try {
      bool ours = true;
      if (retention_gate_) {
        auto gate = retention_gate_;
        ours = co_await blocking_.run(std::move(gate));
      }
      if (!ours) log::info("Retention: another replica holds the retention lock; this run is skipped");
      // Not a conditional expression around the co_await: g++ 12 destroys such temporaries twice.
      ReapReport report;
      if (ours) report = co_await reap_once(std::chrono::system_clock::now());
      if (report.attachments_deleted + report.attachments_kept + report.tombstones_resolved +
              report.tombstones_pending >
          0) {
        log::info(
            "Retention: deleted {} expired attachments ({} kept for a retry), removed {} objects of deleted "
            "conversations ({} pending)",
            report.attachments_deleted, report.attachments_kept, report.tombstones_resolved,
            report.tombstones_pending);
      }
    } catch (const std::exception& e) {
      log::error("Retention run failed: {}; retrying at the next run", e.what());
    }
    timer.expires_after(interval);
    auto [ec] = co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    if (ec && !retention_wake_) co_return;
  }
}

void AttachmentService::start_retention(boost::asio::io_context& ioc, std::function<bool()> gate) {
  retention_gate_ = std::move(gate);
  retention_ioc_ = &ioc;
  retention_timer_ = std::make_unique<boost::asio::steady_timer>(ioc);
  boost::asio::co_spawn(ioc, retention_loop(), boost::asio::detached);
}

void AttachmentService::run_retention_now() {
  if (!retention_ioc_) return;
  boost::asio::post(*retention_ioc_, [this] {
    retention_wake_ = true;
    retention_timer_->cancel();
  });
}

}  // namespace parley::chat
