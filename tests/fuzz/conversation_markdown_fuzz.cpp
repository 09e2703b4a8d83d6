// Fuzz target for the Markdown export (store/conversation_markdown) of stored rows as the export route
// builds it (stored_message_object of each row): any stored content, metadata, title and session id gives a
// document, never an exception.
#include <fuzzer/FuzzedDataProvider.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/json.hpp"
#include "fuzz_check.hpp"
#include "store/conversation_markdown.hpp"
#include "store/stored_message_object.hpp"

namespace {

namespace bj = boost::json;

std::chrono::system_clock::time_point time_from(FuzzedDataProvider& in) {
  // Rows are stamped by parley's clock: from 1970 to 2100.
  return std::chrono::system_clock::time_point{
      std::chrono::milliseconds(in.ConsumeIntegralInRange<std::int64_t>(0, 4102444800000))};
}

std::optional<std::string> optional_text(FuzzedDataProvider& in) {
  if (!in.ConsumeBool()) return std::nullopt;
  return in.ConsumeRandomLengthString(64);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  parley::store::Conversation conversation;
  conversation.session_id = in.ConsumeRandomLengthString(200);
  conversation.created_at = time_from(in);
  const auto title = optional_text(in);
  const auto exported_at = time_from(in);

  // The rows: role, tool call id and client ids from the input, content and metadata as stored JSON.
  bj::array messages;
  std::int64_t id = 0;
  while (in.remaining_bytes() > 0 && messages.size() < 16) {
    static const char* const roles[] = {"system", "user", "assistant", "tool", "other"};
    parley::store::StoredMessage row;
    row.id = ++id;
    row.session_id = conversation.session_id;
    row.role = roles[in.ConsumeIntegralInRange<int>(0, 4)];
    row.tool_call_id = optional_text(in);
    row.client_message_id = optional_text(in);
    row.parent_client_message_id = optional_text(in);
    row.created_at = time_from(in);
    const auto content_text = in.ConsumeRandomLengthString(1024);
    if (auto content = parley::json::parse(content_text)) {
      row.content = std::move(*content);
    } else {
      row.content = bj::string(content_text);  // a plain-text row
    }
    if (auto metadata = parley::json::parse(in.ConsumeRandomLengthString(1024));
        metadata && metadata->is_object())
      row.metadata = std::move(metadata->as_object());
    messages.push_back(parley::store::stored_message_object(std::move(row)));
  }

  const auto markdown = parley::store::conversation_markdown(conversation, title, messages, exported_at);
  FUZZ_REQUIRE(markdown.starts_with("# "));
  FUZZ_REQUIRE(!parley::store::export_file_stem(conversation.session_id).empty());

  return 0;
}
