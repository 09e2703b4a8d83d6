// One conversation's stored history as the history and export routes send it (api.md §8.2, §8.4): the
// conversation, its title and its stored message objects, with attachment fragments re-signed. Blocking
// (repository reads); the ConversationService runs these on the blocking pool.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <optional>
#include <string>

#include "store/repository.hpp"
#include "store/stored_message_object.hpp"

namespace parley::chat {

struct ConversationHistory {
  store::Conversation conversation;
  std::optional<std::string> title;  // custom or derived
  boost::json::array messages;       // stored message objects, in one arena released with the array
};

// nullopt for an unknown session.
std::optional<ConversationHistory> load_conversation_history(store::Repository& repository,
                                                             const store::AttachmentSigner& signer,
                                                             const std::string& session_id,
                                                             const store::MessageRange& range);
// {"session_id","title","created_at","updated_at"}, in the messages' storage so that they move in after it.
boost::json::object history_head(ConversationHistory& history);

// The serialized 200 body of GET /api/chat/session/{id}/messages (§8.2); nullopt for an unknown session.
// Streams each message object through a small arena into the body instead of holding all of them
// (bench/notes/history.md); bench/history measures this function.
std::optional<std::string> history_body(store::Repository& repository, const store::AttachmentSigner& signer,
                                        const std::string& session_id, const store::MessageRange& range);

}  // namespace parley::chat
