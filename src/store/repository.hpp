// The chat history store (api.md §5): conversations, messages, attachment rows, blob tombstones and login
// sessions. One interface, implemented over SQLite and PostgreSQL. (PostgreSQL's settings documents are
// store/settings_table.hpp.)
//
// Every call blocks: route handlers and the chat orchestrator run them on the blocking pool. Expected
// outcomes (not found, nothing deleted) are return values; a database that fails underneath (I/O error, lost
// connection) throws store::DatabaseError, which the HTTP layer reports as a logged 500.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "auth/session_store.hpp"

namespace parley::store {

using SystemTime = std::chrono::system_clock::time_point;

class DatabaseError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct NewMessage {
  std::string session_id;
  std::string role;  // system | user | assistant | tool
  // A string is stored as is; an array or object as JSON text with the structured-content marker (§5.3).
  boost::json::value content;
  std::optional<std::string> tool_call_id;
  boost::json::object metadata;  // empty: SQL NULL
  std::optional<std::string> client_message_id;
  std::optional<std::string> parent_client_message_id;
  // Unset: now. Tests and imports set it explicitly.
  std::optional<SystemTime> created_at;
};

struct StoredMessage {
  std::int64_t id = 0;
  std::string session_id;
  std::string role;
  boost::json::value content;  // string, parsed structured content, or null
  std::optional<std::string> tool_call_id;
  boost::json::object metadata;  // without the structured-content marker; empty when NULL
  std::optional<std::string> client_message_id;
  std::optional<std::string> parent_client_message_id;
  SystemTime created_at;
};

struct Conversation {
  std::string session_id;
  std::optional<std::string> custom_title;
  SystemTime created_at;
  SystemTime updated_at;
};

// One row of GET /api/chat/conversations (§8.1).
struct ConversationSummary {
  std::string session_id;
  std::optional<std::string> title;  // custom title, else derived from the first user message
  SystemTime created_at;
  SystemTime updated_at;
  std::int64_t message_count = 0;  // rows other than system rows
  std::optional<std::string> last_model;
  std::optional<std::string> snippet;
};

struct ConversationQuery {
  int limit = 50;
  int offset = 0;
  std::optional<std::string> text;  // q
};

struct ConversationPage {
  std::vector<ConversationSummary> conversations;
  std::int64_t total = 0;
};

struct MessageRange {
  std::optional<std::int64_t> after_id;
  std::optional<int> limit;
};

// attachments row (§5.2, §5.3).
struct AttachmentRow {
  std::string attachment_id;
  std::string session_id;
  std::string storage_path;
  std::string mime_type;
  std::int64_t size_bytes = 0;
  std::string display_url;
  std::string delivery_url;
  std::optional<std::string> gcs_blob;
  std::optional<std::string> signed_url;
  std::optional<std::string> signed_url_expires_at;
  std::optional<std::string> metadata;  // JSON text
  SystemTime created_at;
  std::optional<SystemTime> expires_at;
  SystemTime last_used_at;
  std::optional<std::string> storage_backend;  // null on rows of earlier servers, meaning gcs
};

struct BlobTombstone {
  std::string storage_key;
  std::string storage_backend;
  int attempts = 0;
};

class Repository : public auth::SessionStore {
 public:
  enum class Kind { sqlite, postgres };
  [[nodiscard]] virtual Kind kind() const = 0;
  // True when the database answers a trivial query.
  virtual bool ping() = 0;

  // Conversations
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

  // Messages
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
  // §2.6: rows whose client id is `message_ref` (plus the row with that id when numeric), then their
  // descendants through parent_client_message_id. Returns the number of rows deleted (0: nothing matched).
  virtual int delete_message_cascade(const std::string& session_id, const std::string& message_ref) = 0;

  // Attachments and blob tombstones
  virtual void insert_attachment(const AttachmentRow& row) = 0;
  virtual std::optional<AttachmentRow> find_attachment(const std::string& attachment_id) = 0;
  virtual void touch_attachment(const std::string& attachment_id, SystemTime used_at) = 0;
  virtual void update_attachment_urls(const std::string& attachment_id, const std::string& url,
                                      const std::string& expires_at_iso) = 0;
  virtual std::vector<AttachmentRow> expired_attachments(SystemTime now, int limit) = 0;
  virtual void delete_attachment(const std::string& attachment_id) = 0;
  virtual std::vector<BlobTombstone> pending_tombstones(int limit) = 0;
  virtual void resolve_tombstone(const BlobTombstone& tombstone, bool object_gone) = 0;
};

}  // namespace parley::store
