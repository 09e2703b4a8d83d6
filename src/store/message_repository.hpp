// Messages of a conversation (api.md §5.2, §5.3): the turn's opening writes, later rows, history reads and
// the cascading delete of §2.6. Blocking; a failing database throws DatabaseError.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "store/records.hpp"

namespace parley::store {

class MessageRepository {
 public:
  virtual ~MessageRepository() = default;
  virtual bool has_messages(const std::string& session_id) = 0;
  // Inserts the row (conversation created when missing), keeps the search index in step, sets updated_at.
  virtual StoredMessage insert_message(const NewMessage& message) = 0;
  // The opening writes of a chat turn in one transaction (§3.2 steps 3-5): creates the conversation when
  // missing, stores `system_when_empty` only when the conversation has no messages yet, then `messages` in
  // order. Returns whether the conversation existed before.
  virtual bool open_turn(const std::string& session_id, const std::optional<NewMessage>& system_when_empty,
                         const std::vector<NewMessage>& messages) = 0;
  virtual std::vector<StoredMessage> load_messages(const std::string& session_id,
                                                   const MessageRange& range = {}) = 0;
  // The rows of load_messages handed to `row` one at a time, in the same order, until it returns false,
  // without holding them all (the body of a long history, P5). `row` may move from its argument.
  virtual void for_each_message(const std::string& session_id, const MessageRange& range,
                                const std::function<bool(StoredMessage&)>& row) = 0;
  // §2.6: rows whose client id is `message_ref` (plus the row with that id when numeric), then their
  // descendants through parent_client_message_id. Returns the number of rows deleted (0: nothing matched).
  virtual int delete_message_cascade(const std::string& session_id, const std::string& message_ref) = 0;
};

}  // namespace parley::store
