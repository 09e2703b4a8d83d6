// Reading an import file into new conversations (POST /api/chat/import): a parley export (one conversation,
// §8.4, or the bundle of all of them) or a ChatGPT data export's conversations.json (each conversation's
// mapping tree walked from current_node to its root, then read root first). Pure: no I/O; the
// ConversationService stores the plan. Any structural problem makes the whole file invalid (nothing is
// imported); conversations and messages that are valid but carry nothing parley can show are skipped and
// counted.
#pragma once

#include <boost/json/value.hpp>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "store/repository.hpp"

namespace parley::chat {

struct ImportedConversation {
  std::size_t index = 0;             // position in the file
  std::optional<std::string> title;  // cleaned custom title; nullopt: derived from the first user message
  std::vector<store::NewMessage> messages;  // session_id left empty; created_at always set
  std::size_t skipped_messages = 0;         // messages (or attachments) left out
};

struct ImportSkip {
  std::size_t index = 0;
  std::optional<std::string> title;
  std::string reason;
};

struct ImportPlan {
  std::string format;  // "parley", "parley_bundle" or "chatgpt"
  std::vector<ImportedConversation> conversations;
  std::vector<ImportSkip> skipped;
};

inline constexpr std::size_t kMaxImportConversations = 10000;
inline constexpr std::size_t kMaxImportMessagesPerConversation = 100000;

// The conversations in `document`, or a 422 naming what is wrong and where (["body", …]). `now` dates
// messages that carry no usable time.
Result<ImportPlan> read_import(const boost::json::value& document, store::SystemTime now);

// A title as imported: control characters become spaces, trimmed, cut to 200 characters; nullopt when empty.
std::optional<std::string> imported_title(std::string_view title);

}  // namespace parley::chat
