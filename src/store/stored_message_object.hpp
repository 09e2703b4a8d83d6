// The JSON shapes of stored rows that the history, export and chat routes serialize: the stored message
// object of api.md §8.2 and the conversation summary of §8.1. Pure functions of repository values.
#pragma once

#include <boost/json/object.hpp>
#include <functional>

#include "store/repository.hpp"

namespace parley::store {

// Rewrites attachment fragments of a message's content in place (re-signed URLs, §5.3, §8.2). Supplied by
// the attachment storage; without one, fragments are kept as stored.
using AttachmentSigner = std::function<void(boost::json::value& content)>;

// Every key of §8.2 for the row's role; created_at in the display time zone (TZ), created_at_utc with Z.
// Takes the row by value: callers that are done with it move it in. `storage` is where the object allocates
// (a monotonic resource for a whole history response: built and freed at once).
boost::json::object stored_message_object(StoredMessage message, const AttachmentSigner& signer = {},
                                          const boost::json::storage_ptr& storage = {});

// json::serialize(stored_message_object(message, signer)) appended to `out`, written straight from the row
// without building the object (a history body of 10,000 rows: bench/notes/2026-12-02-history.md). The row's
// content is re-signed in place.
void append_stored_message_json(StoredMessage& message, const AttachmentSigner& signer, std::string& out);

boost::json::object conversation_summary_object(const ConversationSummary& summary);

}  // namespace parley::store
