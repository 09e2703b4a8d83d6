// Attachments in what the model sees (api.md §3.3, "Projection of stored messages"): every content fragment
// naming an attachment of the session gets the attachment's delivery form — a presigned URL the provider can
// fetch, or an inline data: URL of the stored bytes — PDFs become `file` parts, and a fragment whose
// attachment is gone becomes a short text saying so.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/blocking.hpp"
#include "core/config.hpp"
#include "chat/chat_store.hpp"
#include "store/attachment_repository.hpp"

namespace parley::chat {
class AttachmentService;
}  // namespace parley::chat

namespace parley::chat {

struct AttachmentDelivery {
  bool available = false;
  std::string url;  // what the provider fetches
  std::string mime_type;
  std::string filename;
};
// attachment id -> its delivery for this turn
using Deliveries = std::map<std::string, AttachmentDelivery>;

// The attachment ids named by fragments (`metadata.attachment_id`) of user, system and assistant rows.
std::set<std::string> referenced_attachments(const std::vector<StoredMessage>& history);

// The content with each fragment's `metadata` removed and, when `deliveries` is given, attachment fragments
// replaced by their delivery form (pure).
boost::json::value deliver_fragments(const boost::json::value& content, const Deliveries* deliveries);

// §3.2 step 5 for an incoming message's content: each fragment naming an attachment of the session marks it
// used and is stored with `image_url.url` set to the attachment's current display URL (never a data: URL).
// Blocking.
void store_form_of_fragments(boost::json::value& content, AttachmentService& attachments,
                             store::AttachmentRepository& store, const std::string& session_id);

// Looks up each attachment (it must belong to `session_id`), marks it used, re-signs its URL when it expires
// within the hour, and reads its bytes when the provider cannot reach the store.
boost::asio::awaitable<Deliveries> resolve_deliveries(AttachmentService& attachments,
                                                      store::AttachmentRepository& store,
                                                      BlockingPool& blocking, const Config& config,
                                                      std::string session_id, std::set<std::string> ids);

}  // namespace parley::chat
