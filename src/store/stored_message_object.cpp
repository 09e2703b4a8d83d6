#include "store/stored_message_object.hpp"

#include <boost/json.hpp>

#include "core/clock.hpp"
#include "core/json.hpp"

namespace parley::store {

namespace bj = boost::json;

namespace {

bj::value member_or_null(const bj::object& metadata, std::string_view key) {
  const auto* v = metadata.if_contains(key);
  return v ? *v : bj::value(nullptr);
}

bj::value string_or_null(const bj::object& metadata, std::string_view key) {
  const auto* v = metadata.if_contains(key);
  return v && v->is_string() ? *v : bj::value(nullptr);
}

bj::value optional_string(const std::optional<std::string>& s) {
  return s ? bj::value(*s) : bj::value(nullptr);
}

}  // namespace

bj::object stored_message_object(const StoredMessage& m, const AttachmentSigner& signer) {
  bj::value content = m.content;
  if (signer && !content.is_string() && !content.is_null()) signer(content);
  bj::object out;
  out["message_id"] = m.id;
  out["role"] = m.role;
  out["content"] = content;
  out["client_message_id"] = optional_string(m.client_message_id);
  out["parent_client_message_id"] = optional_string(m.parent_client_message_id);
  out["created_at"] = format_local_offset(m.created_at);
  out["created_at_utc"] = format_iso_utc_z(m.created_at);
  if (m.role == "assistant") {
    for (const auto* key : {"finish_reason", "model", "usage", "routing", "meta", "generation_id",
                            "reasoning", "tool_calls", "error"}) {
      out[key] = member_or_null(m.metadata, key);
    }
  } else if (m.role == "tool") {
    out["tool_call_id"] = optional_string(m.tool_call_id);
    out["call_id"] = optional_string(m.tool_call_id);
    out["name"] = string_or_null(m.metadata, "tool_name");
    const auto status = string_or_null(m.metadata, "tool_status");
    // Rows without tool_status count as finished (§5.3).
    out["status"] = status.is_string() && status.get_string() == "error" ? "error" : "finished";
    out["result"] = content.is_string() ? bj::value(content.get_string())
                    : content.is_null() ? bj::value("")
                                        : bj::value(json::serialize(content));
  } else {
    out["name"] = string_or_null(m.metadata, "name");
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
