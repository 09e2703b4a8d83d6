// Attachment rows and blob tombstones (api.md §5.2, §5.3): what the attachment service records about stored
// objects, and the keys of objects still to delete. Blocking; a failing database throws DatabaseError.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "store/records.hpp"

namespace parley::store {

class AttachmentRepository {
 public:
  virtual ~AttachmentRepository() = default;
  virtual void insert_attachment(const AttachmentRow& row) = 0;
  virtual std::optional<AttachmentRow> find_attachment(const std::string& attachment_id) = 0;
  virtual void touch_attachment(const std::string& attachment_id, SystemTime used_at) = 0;
  virtual void update_attachment_urls(const std::string& attachment_id, const std::string& url,
                                      const std::string& expires_at_iso) = 0;
  virtual std::vector<AttachmentRow> expired_attachments(SystemTime now, int limit) = 0;
  virtual void delete_attachment(const std::string& attachment_id) = 0;
  virtual std::vector<BlobTombstone> pending_tombstones(int limit) = 0;
  virtual void resolve_tombstone(const BlobTombstone& tombstone, bool object_gone) = 0;
};

}  // namespace parley::store
