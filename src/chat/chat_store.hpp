// What a chat turn needs from the history store (api.md §3.2, §5.3). Implemented by an adapter over the
// repository of src/store/, so the orchestrator can be tested against any store.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace parley::chat {

struct NewMessage {
  std::string session_id;
  std::string role;
  boost::json::value
      content;  // string, fragment array/object (stored as JSON with the structured marker), or null
  std::optional<std::string> tool_call_id;
  boost::json::object metadata;  // empty: SQL NULL
  std::optional<std::string> client_message_id;
  std::optional<std::string> parent_client_message_id;
};

struct StoredMessage {
  std::int64_t id = 0;
  std::string role;
  boost::json::value content;
  std::optional<std::string> tool_call_id;
  boost::json::object metadata;  // without the structured-content marker
  std::optional<std::string> client_message_id;
  std::optional<std::string> parent_client_message_id;
  std::chrono::system_clock::time_point created_at;
};

// All calls are blocking; the orchestrator runs them on the blocking pool.
class ChatStore {
 public:
  virtual ~ChatStore() = default;
  // Creates the conversation when missing; returns whether it already existed.
  virtual bool ensure_conversation(const std::string& session_id) = 0;
  virtual bool has_messages(const std::string& session_id) = 0;
  virtual StoredMessage insert_message(const NewMessage& message) = 0;
  virtual std::vector<StoredMessage> load_messages(const std::string& session_id) = 0;
};

}  // namespace parley::chat
