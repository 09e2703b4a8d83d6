// Attachment metadata rows and blob tombstones (api.md §5.2, §5.3, §5.6). The bytes live in the blob
// storage; these rows hold the object keys and the cached signed URLs.
#include "core/clock.hpp"
#include "store/sql_repository.hpp"

namespace parley::store {

namespace {

AttachmentRow attachment_from_row(const SqlRow& r) {
  AttachmentRow a;
  a.attachment_id = r.text(0);
  a.session_id = r.text(1);
  a.storage_path = r.text(2);
  a.mime_type = r.text(3);
  a.size_bytes = r.integer(4);
  a.display_url = r.text(5);
  a.delivery_url = r.text(6);
  a.gcs_blob = r.at(7);
  a.signed_url = r.at(8);
  a.signed_url_expires_at = r.at(9);
  a.metadata = r.at(10);
  a.created_at = parse_stored_time(r.at(11));
  if (r.at(12)) a.expires_at = parse_stored_time(r.at(12));
  a.last_used_at = parse_stored_time(r.at(13));
  a.storage_backend = r.at(14);
  return a;
}

}  // namespace

std::string SqlRepository::attachment_columns() const {
  return "attachment_id, session_id, storage_path, mime_type, size_bytes, display_url, delivery_url, "
         "gcs_blob, "
         "signed_url, signed_url_expires_at, metadata, " +
         timestamp_text("created_at") + ", " + timestamp_text("expires_at") + ", " +
         timestamp_text("last_used_at") + ", storage_backend";
}

void SqlRepository::insert_attachment(const AttachmentRow& a) {
  auto c = pool_->writer();
  Transaction tx(*c);
  const auto created = format_sql_utc(a.created_at);
  insert_conversation_if_missing(*c, a.session_id, created);
  // expires_at is ISO-8601 with +00:00 (§5.3); the other timestamps use the storage form.
  c->query(
      "INSERT INTO attachments (attachment_id, session_id, storage_path, mime_type, size_bytes, display_url, "
      "delivery_url, gcs_blob, signed_url, signed_url_expires_at, metadata, created_at, expires_at, "
      "last_used_at, "
      "storage_backend) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {a.attachment_id, a.session_id, a.storage_path, a.mime_type, a.size_bytes, a.display_url,
       a.delivery_url, optional_text(a.gcs_blob), optional_text(a.signed_url),
       optional_text(a.signed_url_expires_at), optional_text(a.metadata), created,
       a.expires_at ? SqlParam(format_utc_offset(*a.expires_at)) : SqlParam(nullptr),
       format_sql_utc(a.last_used_at), optional_text(a.storage_backend)});
  tx.commit();
}

std::optional<AttachmentRow> SqlRepository::find_attachment(const std::string& attachment_id) {
  auto c = pool_->reader();
  const auto rows = c->query("SELECT " + attachment_columns() + " FROM attachments WHERE attachment_id = ?",
                             {attachment_id});
  if (rows.empty()) return std::nullopt;
  return attachment_from_row(rows.front());
}

void SqlRepository::touch_attachment(const std::string& attachment_id, SystemTime used_at) {
  auto c = pool_->writer();
  c->query("UPDATE attachments SET last_used_at = ? WHERE attachment_id = ?",
           {format_sql_utc(used_at), attachment_id});
}

void SqlRepository::update_attachment_urls(const std::string& attachment_id, const std::string& url,
                                           const std::string& expires_at_iso) {
  auto c = pool_->writer();
  c->query(
      "UPDATE attachments SET display_url = ?, delivery_url = ?, signed_url = ?, signed_url_expires_at = ? "
      "WHERE attachment_id = ?",
      {url, url, url, expires_at_iso, attachment_id});
}

std::vector<AttachmentRow> SqlRepository::expired_attachments(SystemTime now, int limit) {
  auto c = pool_->reader();
  // SQLite compares the stored text through julianday(), which reads both timestamp forms of §5.3.
  const std::string condition =
      kind_ == Kind::sqlite ? "julianday(expires_at) < julianday(?)" : "expires_at < ?";
  const auto rows =
      c->query("SELECT " + attachment_columns() + " FROM attachments WHERE expires_at IS NOT NULL AND " +
                   condition + " ORDER BY expires_at LIMIT ?",
               {format_sql_utc(now), std::int64_t{limit}});
  std::vector<AttachmentRow> out;
  for (const auto& r : rows) out.push_back(attachment_from_row(r));
  return out;
}

void SqlRepository::delete_attachment(const std::string& attachment_id) {
  auto c = pool_->writer();
  c->query("DELETE FROM attachments WHERE attachment_id = ?", {attachment_id});
}

std::vector<BlobTombstone> SqlRepository::pending_tombstones(int limit) {
  auto c = pool_->reader();
  const auto rows = c->query(
      "SELECT storage_key, storage_backend, attempts FROM blob_tombstones ORDER BY created_at, storage_key "
      "LIMIT ?",
      {std::int64_t{limit}});
  std::vector<BlobTombstone> out;
  for (const auto& r : rows) out.push_back({r.text(0), r.text(1), static_cast<int>(r.integer(2))});
  return out;
}

void SqlRepository::resolve_tombstone(const BlobTombstone& t, bool object_gone) {
  auto c = pool_->writer();
  if (object_gone) {
    c->query("DELETE FROM blob_tombstones WHERE storage_backend = ? AND storage_key = ?",
             {t.storage_backend, t.storage_key});
  } else {
    c->query(
        "UPDATE blob_tombstones SET attempts = attempts + 1 WHERE storage_backend = ? AND storage_key = ?",
        {t.storage_backend, t.storage_key});
  }
}

}  // namespace parley::store
