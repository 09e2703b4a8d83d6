// Stored conversations as a service (api.md §2.5, §2.6, §8.1–§8.4, §8.9, §8.10): list and search, history,
// export (one or all), import, rename, delete a conversation or a turn. It sits in chat/ beside the turns
// because deleting waits for the session's running turn (SessionTurnLocks) and the history it serves is what
// the turns wrote; chat/ may use store/ and blob/. Repository work runs on the blocking pool; callers only
// await.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "chat/attachment_service.hpp"
#include "chat/conversation_import.hpp"
#include "chat/conversation_log.hpp"
#include "chat/session_turn_locks.hpp"
#include "core/blocking.hpp"
#include "store/repository.hpp"
#include "store/stored_message_object.hpp"

namespace parley::chat {

enum class ExportFormat { json, markdown };

struct ConversationExport {
  std::string file_name;  // parley-<safe(session_id)>.json or .md
  std::string body;
};

class ConversationService {
 public:
  // `logs`: the chat turns' conversation logs, told when rows are deleted (null: none to tell).
  ConversationService(store::Repository& repository, BlockingPool& blocking, SessionTurnLocks& turn_locks,
                      AttachmentService& attachments, ConversationLogBook* logs = nullptr);

  // §8.1: a page of the conversations with a user or assistant message, newest first, or those matching q.
  boost::asio::awaitable<store::ConversationPage> list(store::ConversationQuery query);
  // §8.2: the serialized history body, attachment URLs re-signed on `public_base`; nullopt: unknown session.
  boost::asio::awaitable<std::optional<std::string>> history_body(std::string session_id,
                                                                  store::MessageRange range,
                                                                  std::string public_base);
  // §8.4: the export document; nullopt: unknown session.
  boost::asio::awaitable<std::optional<ConversationExport>> export_conversation(std::string session_id,
                                                                                ExportFormat format,
                                                                                std::string public_base);
  // §8.9: the ids of every listed conversation (§8.1), newest first: what the bulk export walks through, one
  // conversation at a time.
  boost::asio::awaitable<std::vector<std::string>> all_session_ids();
  // §8.10: parses `body` (a parley export or ChatGPT's conversations.json), then stores each conversation
  // under a new session id (one transaction per conversation) and returns the summary the route sends. A file
  // that is not valid JSON or not a known export is a 422 and nothing is stored.
  boost::asio::awaitable<Result<boost::json::object>> import_document(std::string body);
  // §8.3: stores the custom title (trimmed; nullopt or blank removes it; check title_problem() first) and
  // returns the conversation's summary; nullopt: unknown session.
  boost::asio::awaitable<std::optional<store::ConversationSummary>> rename(std::string session_id,
                                                                           std::optional<std::string> title);
  // §2.5: after the session's running turn stored its rows, deletes the conversation with its rows and then
  // its attachments' objects. An unknown session is no error.
  boost::asio::awaitable<void> remove(std::string session_id);
  // §2.6: after the session's running turn, deletes the message `message_ref` names with its descendants;
  // false when nothing matched.
  boost::asio::awaitable<bool> remove_message(std::string session_id, std::string message_ref);

  // The history store answered a trivial query within `budget` (/health).
  boost::asio::awaitable<bool> store_answers(std::chrono::milliseconds budget);

 private:
  // Re-signs a stored message's attachment fragments for URLs on `public_base` (blocking).
  store::AttachmentSigner signer_for(std::string public_base);

  store::Repository& repository_;
  BlockingPool& blocking_;
  SessionTurnLocks& turn_locks_;
  AttachmentService& attachments_;
  ConversationLogBook* logs_;
};

}  // namespace parley::chat
