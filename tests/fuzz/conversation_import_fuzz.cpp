// Fuzz target for POST /api/chat/import bodies (chat/conversation_import): any JSON is either refused with
// one 422 item that says where, or read into conversations that can be stored as they are: known roles,
// bounded counts, cleaned titles, every message dated.
#include <cstdint>
#include <string>

#include "chat/conversation_import.hpp"
#include "chat/conversation_title.hpp"
#include "core/json.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // As ConversationService::import_document: UTF-8 first, then one JSON value.
  if (!parley::json::is_valid_utf8(text)) return 0;
  const auto document = parley::json::parse(text);
  if (!document) return 0;
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1762610592));
  auto plan = parley::chat::read_import(*document, now);
  if (!plan) {
    const auto error = plan.error();
    FUZZ_REQUIRE(error.kind == parley::ErrorKind::invalid_content && error.detail.is_array() &&
                 error.detail.as_array().size() == 1);
    FUZZ_REQUIRE(error.detail.as_array()[0].as_object().at("loc").as_array()[0] == "body");
    return 0;
  }
  FUZZ_REQUIRE(plan->format == "parley" || plan->format == "parley_bundle" || plan->format == "chatgpt");
  FUZZ_REQUIRE(plan->conversations.size() + plan->skipped.size() <= parley::chat::kMaxImportConversations);
  for (const auto& c : plan->conversations) {
    FUZZ_REQUIRE(!c.messages.empty() && c.messages.size() <= parley::chat::kMaxImportMessagesPerConversation);
    if (c.title) FUZZ_REQUIRE(!c.title->empty() && !parley::chat::title_problem(*c.title));
    for (const auto& m : c.messages) {
      FUZZ_REQUIRE(m.role == "system" || m.role == "user" || m.role == "assistant" || m.role == "tool");
      FUZZ_REQUIRE(m.created_at.has_value());
      FUZZ_REQUIRE(m.content.is_string() || m.content.is_array() || m.content.is_null());
      if (m.client_message_id)
        FUZZ_REQUIRE(!m.client_message_id->empty() && m.client_message_id->size() <= 200);
    }
  }
  return 0;
}
