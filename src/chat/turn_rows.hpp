// Where a chat turn keeps its rows (api.md §3.2 steps 3-6, §3.5, §3.6): the history repository for parley's
// own chat, or another keeper — the OpenAI-compatible API keeps the client's messages in memory and stores
// them only when its key asks for history. Blocking; the turn calls it on the blocking pool.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "chat/chat_store.hpp"
#include "chat/upstream_request.hpp"

namespace parley::chat {

class TurnRows {
 public:
  virtual ~TurnRows() = default;
  // Creates the conversation when missing and stores the turn's opening rows (the system message only when
  // the conversation has none). True when the conversation existed before.
  virtual bool open_turn(const std::string& session_id, const std::optional<NewMessage>& system_when_empty,
                         const std::vector<NewMessage>& messages) = 0;
  // The whole conversation in order: what the next hop's request is built from.
  virtual std::vector<StoredMessage> load_messages(const std::string& session_id) = 0;
  // The conversation as the next hop's upstream request needs it: every row, with only the metadata keys
  // project_history reads (upstream_metadata_keys()) guaranteed.
  virtual std::vector<StoredMessage> load_history(const std::string& session_id) {
    return load_messages(session_id);
  }
  // The rows after `after_id` (the conversation log's next part).
  virtual std::vector<StoredMessage> load_messages_after(const std::string& session_id,
                                                         std::int64_t after_id) {
    auto rows = load_messages(session_id);
    std::erase_if(rows, [after_id](const StoredMessage& m) { return m.id <= after_id; });
    return rows;
  }
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
  std::vector<StoredMessage> load_messages(const std::string& session_id) override {
    return store_.load_messages(session_id);
  }
  std::vector<StoredMessage> load_history(const std::string& session_id) override {
    return store_.load_messages(session_id,
                                store::MessageRange{std::nullopt, std::nullopt, &upstream_metadata_keys()});
  }
  std::vector<StoredMessage> load_messages_after(const std::string& session_id,
                                                 std::int64_t after_id) override {
    return store_.load_messages(session_id, store::MessageRange{after_id, std::nullopt});
  }
  StoredMessage insert_message(const NewMessage& message) override { return store_.insert_message(message); }

 private:
  ChatStore& store_;
};

}  // namespace parley::chat
