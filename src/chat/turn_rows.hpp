// Where a chat turn keeps its rows (api.md §3.2 steps 3-6, §3.5, §3.6): the history repository for parley's
// own chat, or another keeper — the OpenAI-compatible API keeps the client's messages in memory and stores
// them only when its key asks for history. Blocking; the turn calls it on the blocking pool.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "chat/chat_store.hpp"

namespace parley::chat {

class TurnRows {
 public:
  virtual ~TurnRows() = default;
  // Creates the conversation when missing and stores the turn's opening rows (the system message only when
  // the conversation has none). True when the conversation existed before.
  virtual bool open_turn(const std::string& session_id, const std::optional<NewMessage>& system_when_empty,
                         const std::vector<NewMessage>& messages) = 0;
  // The conversation in order (store::MessageRange: the rows after an id, a limit, only some metadata keys):
  // what the next hop's request is built from, and the conversation log's next part.
  virtual std::vector<StoredMessage> load_messages(const std::string& session_id,
                                                   const store::MessageRange& range) = 0;
  virtual StoredMessage insert_message(const NewMessage& message) = 0;
};

// The history repository (parley's own chat).
class RepositoryTurnRows final : public TurnRows {
 public:
  explicit RepositoryTurnRows(ChatStore& store) : store_(store) {}
  bool open_turn(const std::string& session_id, const std::optional<NewMessage>& system_when_empty,
                 const std::vector<NewMessage>& messages) override {
    return store_.open_turn(session_id, system_when_empty, messages);
  }
  std::vector<StoredMessage> load_messages(const std::string& session_id,
                                           const store::MessageRange& range) override {
    return store_.load_messages(session_id, range);
  }
  StoredMessage insert_message(const NewMessage& message) override { return store_.insert_message(message); }

 private:
  ChatStore& store_;
};

}  // namespace parley::chat
