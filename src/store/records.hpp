// The rows of the chat history store (api.md §5) as values: what the repositories take and return, and the
// one exception a failing database throws.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

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

// The row a message becomes, without its id; created_at at second precision (§3.9), so what an insert returns
// equals what a later load reads.
inline StoredMessage stored_form(const NewMessage& m, SystemTime now) {
  StoredMessage s;
  s.session_id = m.session_id;
  s.role = m.role;
  s.content = m.content;
  s.tool_call_id = m.tool_call_id;
  s.metadata = m.metadata;
  s.client_message_id = m.client_message_id;
  s.parent_client_message_id = m.parent_client_message_id;
  s.created_at = std::chrono::floor<std::chrono::seconds>(m.created_at.value_or(now));
  return s;
}

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
  // Null: every row's metadata is read. Otherwise only these keys are wanted: a row whose stored metadata
  // names none of them (nor the structured-content marker) is read without parsing it, its metadata left
  // empty (a turn's upstream request reads three keys of it; parsing every assistant row's usage, model and
  // meta was a quarter of a turn's CPU in a long conversation).
  const std::vector<std::string_view>* metadata_keys = nullptr;
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

}  // namespace parley::store
