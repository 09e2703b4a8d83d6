// Conversations of the chat history (api.md §5.1, §8.1): create, find, rename, delete, list. Blocking; a
// failing database throws DatabaseError.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "store/records.hpp"

namespace parley::store {

class ConversationRepository {
 public:
  virtual ~ConversationRepository() = default;
  // Creates the conversation when missing (created_at = updated_at = now); returns whether it existed.
  virtual bool ensure_conversation(const std::string& session_id) = 0;
  virtual std::optional<Conversation> find_conversation(const std::string& session_id) = 0;
  // Sets or (nullopt) removes the custom title and updated_at; false when the session does not exist.
  virtual bool set_title(const std::string& session_id, const std::optional<std::string>& title) = 0;
  // Deletes the conversation with its messages, attachment rows, events and index entries; every attachment
  // object key is recorded in blob_tombstones in the same transaction and returned for immediate deletion.
  virtual std::vector<BlobTombstone> delete_conversation(const std::string& session_id) = 0;
  virtual ConversationPage list_conversations(const ConversationQuery& query) = 0;
  virtual std::optional<ConversationSummary> conversation_summary(const std::string& session_id) = 0;
};

}  // namespace parley::store
