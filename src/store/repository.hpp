// The chat history store (api.md §5), split by concern: conversations, messages, attachment rows with blob
// tombstones, login sessions and API keys. Repository is the one database handle implementing all of them
// over SQLite and PostgreSQL; code that needs one concern takes that interface. (PostgreSQL's settings
// documents are store/settings_table.hpp.)
//
// Every call blocks: services run them on the blocking pool. Expected outcomes (not found, nothing deleted)
// are return values; a database that fails underneath (I/O error, lost connection) throws
// store::DatabaseError, which the HTTP layer reports as a logged 500.
#pragma once

#include "store/api_key_repository.hpp"
#include "store/attachment_repository.hpp"
#include "store/conversation_repository.hpp"
#include "store/login_session_repository.hpp"
#include "store/message_repository.hpp"
#include "store/records.hpp"

namespace parley::store {

class Repository : public ConversationRepository,
                   public MessageRepository,
                   public AttachmentRepository,
                   public LoginSessionRepository,
                   public ApiKeyRepository {
 public:
  enum class Kind { sqlite, postgres };
  [[nodiscard]] virtual Kind kind() const = 0;
  // True when the database answers a trivial query.
  virtual bool ping() = 0;
};

}  // namespace parley::store
