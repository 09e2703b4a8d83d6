#include "store/stored_message_object.hpp"

#include <boost/json.hpp>

#include "core/clock.hpp"
#include "core/json.hpp"

namespace parley::store {

namespace bj = boost::json;

namespace {

// The metadata member `key` moved out (each key is read once), or null.
bj::value take_member(bj::object& metadata, std::string_view key) {
  auto* v = metadata.if_contains(key);
  return v ? std::move(*v) : bj::value(nullptr);
}

bj::value take_string(bj::object& metadata, std::string_view key) {
  auto* v = metadata.if_contains(key);
  return v && v->is_string() ? std::move(*v) : bj::value(nullptr);
}

bj::value optional_string(const std::optional<std::string>& s, const bj::storage_ptr& sp = {}) {
  return s ? bj::value(*s, sp) : bj::value(nullptr, sp);
}

}  // namespace

bj::object stored_message_object(StoredMessage m, const AttachmentSigner& signer, const bj::storage_ptr& sp) {
  bj::value content = std::move(m.content);
  if (signer && !content.is_string() && !content.is_null()) signer(content);
  const bool assistant = m.role == "assistant";
  const bool tool = m.role == "tool";
  bj::object out(assistant ? 17 : 12, sp);
  out.emplace("message_id", m.id);
  out.emplace("role", m.role);
  bj::value result;
  if (tool) {
    result = content.is_string() ? bj::value(content.get_string())
             : content.is_null() ? bj::value("")
                                 : bj::value(json::serialize(content));
  }
  out.emplace("content", std::move(content));
  out.emplace("client_message_id", optional_string(m.client_message_id, sp));
  out.emplace("parent_client_message_id", optional_string(m.parent_client_message_id, sp));
  out.emplace("created_at", format_local_offset(m.created_at));
  out.emplace("created_at_utc", format_iso_utc_z(m.created_at));
  if (assistant) {
    for (const auto* key : {"finish_reason", "model", "usage", "routing", "meta", "generation_id",
                            "reasoning", "tool_calls", "annotations", "error"}) {
      out.emplace(key, take_member(m.metadata, key));
    }
  } else if (tool) {
    out.emplace("tool_call_id", optional_string(m.tool_call_id, sp));
    out.emplace("call_id", optional_string(m.tool_call_id, sp));
    out.emplace("name", take_string(m.metadata, "tool_name"));
    const auto status = take_string(m.metadata, "tool_status");
    // Rows without tool_status count as finished (§5.3).
    out.emplace("status", status.is_string() && status.get_string() == "error" ? "error" : "finished");
    out.emplace("result", std::move(result));
  } else {
    out.emplace("name", take_string(m.metadata, "name"));
  }
  return out;
}

bj::object conversation_summary_object(const ConversationSummary& s) {
  return {{"session_id", s.session_id},
          {"title", optional_string(s.title)},
          {"created_at", format_iso_utc_z(s.created_at)},
          {"updated_at", format_iso_utc_z(s.updated_at)},
          {"message_count", s.message_count},
          {"last_model", optional_string(s.last_model)},
          {"snippet", optional_string(s.snippet)}};
}

}  // namespace parley::store
