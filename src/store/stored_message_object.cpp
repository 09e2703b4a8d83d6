#include "store/stored_message_object.hpp"

#include <boost/json.hpp>
#include <charconv>

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

namespace {

// `,"key":` (keys are plain ASCII names, nothing to escape).
void append_key(std::string& out, std::string_view key) {
  out += ",\"";
  out += key;
  out += "\":";
}

void append_optional_string(std::string& out, const std::optional<std::string>& s) {
  if (s)
    json::append_string(*s, out);
  else
    out += "null";
}

// The metadata member `key` as JSON, or null.
void append_member(std::string& out, const bj::object& metadata, std::string_view key) {
  if (const auto* v = metadata.if_contains(key))
    json::serialize_append(*v, out);
  else
    out += "null";
}

void append_string_member(std::string& out, const bj::object& metadata, std::string_view key) {
  const auto* v = metadata.if_contains(key);
  if (v && v->is_string())
    json::append_string(v->get_string(), out);
  else
    out += "null";
}

void append_timestamp(std::string& out, const std::string& text) {
  out += '"';
  out += text;  // digits, '-', ':', 'T', '+', 'Z': nothing to escape
  out += '"';
}

}  // namespace

void append_stored_message_json(StoredMessage& m, const AttachmentSigner& signer, std::string& out) {
  auto& content = m.content;
  if (signer && !content.is_string() && !content.is_null()) signer(content);
  const bool assistant = m.role == "assistant";
  const bool tool = m.role == "tool";
  char id[24];
  const auto id_end = std::to_chars(id, id + sizeof id, m.id).ptr;
  out += "{\"message_id\":";
  out.append(id, id_end);
  append_key(out, "role");
  json::append_string(m.role, out);
  append_key(out, "content");
  json::serialize_append(content, out);
  append_key(out, "client_message_id");
  append_optional_string(out, m.client_message_id);
  append_key(out, "parent_client_message_id");
  append_optional_string(out, m.parent_client_message_id);
  append_key(out, "created_at");
  append_timestamp(out, format_local_offset(m.created_at));
  append_key(out, "created_at_utc");
  append_timestamp(out, format_iso_utc_z(m.created_at));
  if (assistant) {
    for (const auto* key : {"finish_reason", "model", "usage", "routing", "meta", "generation_id",
                            "reasoning", "tool_calls", "annotations", "error"}) {
      append_key(out, key);
      append_member(out, m.metadata, key);
    }
  } else if (tool) {
    append_key(out, "tool_call_id");
    append_optional_string(out, m.tool_call_id);
    append_key(out, "call_id");
    append_optional_string(out, m.tool_call_id);
    append_key(out, "name");
    append_string_member(out, m.metadata, "tool_name");
    const auto* status = m.metadata.if_contains("tool_status");
    append_key(out, "status");
    // Rows without tool_status count as finished (§5.3).
    out += status && status->is_string() && status->get_string() == "error" ? "\"error\"" : "\"finished\"";
    append_key(out, "result");
    if (const auto* text = content.if_string())
      json::append_string(*text, out);
    else if (content.is_null())
      out += "\"\"";
    else
      json::append_string(json::serialize(content), out);
  } else {
    append_key(out, "name");
    append_string_member(out, m.metadata, "name");
  }
  out += '}';
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
