// Fuzz target for the POST /api/chat/stream body (chat/chat_request): any body is either refused with 422
// items or accepted, and an accepted one holds up to everything the turn then does with it without checking
// again (the orchestrator's stored rows, the upstream body of §3.3).
#include <boost/json.hpp>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "chat/chat_request.hpp"
#include "chat/upstream_request.hpp"
#include "core/json.hpp"
#include "fuzz_check.hpp"

namespace {

namespace bj = boost::json;

// What ChatOrchestrator::open_turn and incoming_row read of an accepted request, as stored rows.
std::vector<parley::store::StoredMessage> stored_rows(const parley::chat::ChatRequest& request) {
  std::vector<parley::store::StoredMessage> rows;
  std::int64_t id = 0;
  for (const auto& m : request.body.at("messages").as_array()) {
    const auto& message = m.as_object();
    parley::store::StoredMessage row;
    row.id = ++id;
    row.session_id = request.session_id.value_or("s");
    row.role = std::string(message.at("role").as_string());
    row.content = message.at("content");
    if (const auto* t = message.if_contains("tool_call_id"); t && t->is_string())
      row.tool_call_id = std::string(t->as_string());
    for (const auto& kv : message) {
      if (kv.key() != "role" && kv.key() != "content" && !kv.value().is_null())
        row.metadata[kv.key()] = kv.value();
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // As api/responses.cpp parse_json_body: UTF-8 first, then one JSON value.
  if (!parley::json::is_valid_utf8(text)) return 0;
  const auto body = parley::json::parse(text);
  if (!body) return 0;

  auto request = parley::chat::validate_chat_request(*body);
  if (!request) {
    const auto& error = request.error();
    FUZZ_REQUIRE(error.kind == parley::ErrorKind::invalid_content && error.detail.is_array() &&
                 !error.detail.as_array().empty());
    return 0;
  }
  FUZZ_REQUIRE(body->is_object() && request->body.contains("messages"));
  if (request->session_id) FUZZ_REQUIRE(!request->session_id->empty() && request->session_id->size() <= 200);
  if (request->model) FUZZ_REQUIRE(!request->model->empty());

  parley::chat::ActiveModelSettings settings;
  settings.model = "stored/model";
  settings.provider = bj::object{{"order", bj::array{"a"}}};
  settings.parameters = bj::object{{"temperature", 0.5}};
  parley::chat::ToolAttachment tools;
  tools.tools.push_back(bj::object{{"type", "function"}, {"function", bj::object{{"name", "t"}}}});
  const auto upstream = parley::chat::build_upstream_body(*request, settings, stored_rows(*request), tools);
  FUZZ_REQUIRE(upstream.contains("messages") && upstream.at("stream") == true);
  FUZZ_REQUIRE(!upstream.contains("session_id"));
  (void)parley::json::serialize(upstream);
  return 0;
}
