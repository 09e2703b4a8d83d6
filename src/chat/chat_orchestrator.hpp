// One chat turn (api.md §3.2): user message -> hops of (stream the model -> run tools) -> stored rows, with
// the SSE events of §3.5 in the order of §3.6, failures as in-stream errors (§3.7) and cancellation (§3.8).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <string>

#include "chat/chat_request.hpp"
#include "chat/chat_store.hpp"
#include "chat/conversation_log.hpp"
#include "chat/model_settings_view.hpp"
#include "chat/session_turn_locks.hpp"
#include "chat/turn_interactions.hpp"
#include "chat/turn_rows.hpp"
#include "chat/turn_tools.hpp"
#include "core/blocking.hpp"
#include "core/config.hpp"
#include "llm/model_catalog.hpp"
#include "llm/provider_client.hpp"
#include "net/http_types.hpp"
#include "net/outbound_fetcher.hpp"

namespace parley::chat {
class AttachmentService;
}  // namespace parley::chat

namespace parley::chat {

struct ChatDependencies {
  const Config& config;
  BlockingPool& blocking;
  llm::ProviderClient& provider;
  net::OutboundFetcher& downloads;  // generated images given by URL
  llm::ModelCatalog& catalog;
  ChatStore& store;
  ModelSettingsView& settings;
  SessionTurnLocks& locks;
  TurnTools* tools = nullptr;                        // null: no tools
  AttachmentService* attachments = nullptr;          // null: attachment fragments only lose their metadata
  TurnRows* rows = nullptr;                          // null: the turn's rows go to `store`
  TurnInteractions* interactions = nullptr;          // null: no questions to the person (declines, denials)
  ConversationLogBook* conversation_logs = nullptr;  // null: the orchestrator's own
};

class ChatOrchestrator {
 public:
  explicit ChatOrchestrator(ChatDependencies deps) : deps_(deps), repository_rows_(deps.store) {
    if (!deps_.rows) deps_.rows = &repository_rows_;
    if (!deps_.conversation_logs) deps_.conversation_logs = &conversation_logs_;
  }
  ChatOrchestrator(const ChatOrchestrator&) = delete;
  ChatOrchestrator& operator=(const ChatOrchestrator&) = delete;

  boost::asio::awaitable<void> run_turn(ChatRequest request, std::string request_id, net::SseSink& sink);
  SessionTurnLocks& locks() { return deps_.locks; }

 private:
  ChatDependencies deps_;
  RepositoryTurnRows repository_rows_;
  ConversationLogBook conversation_logs_;
};

// The time-context system message of §3.2 step 4, in the display time zone.
std::string time_context_block(std::chrono::system_clock::time_point now);

}  // namespace parley::chat
