#include "chat/upstream_request.hpp"
#include "core/json.hpp"

#include <boost/json/serialize.hpp>
#include <set>

#include "chat/image_reflection.hpp"

namespace parley::chat {

namespace bj = boost::json;

namespace {

bool has_text(const bj::value& content) {
  if (content.is_null()) return false;
  if (content.is_string()) return !content.as_string().empty();
  if (content.is_array()) return !content.as_array().empty();
  return true;
}

}  // namespace

const std::vector<std::string_view>& upstream_metadata_keys() {
  static const std::vector<std::string_view> keys{"name", "tool_calls", "reasoning_details"};
  return keys;
}

bj::array project_history(const std::vector<StoredMessage>& history, const Deliveries* deliveries) {
  bj::array out;
  std::set<std::string> answerable;        // tool call ids of assistant rows seen so far
  std::vector<std::string> pending_calls;  // calls of the latest assistant row still unanswered
  auto flush_pending = [&] {
    for (const auto& id : pending_calls) {
      out.push_back(
          bj::object{{"role", "tool"}, {"tool_call_id", id}, {"content", "Tool call was not executed."}});
    }
    pending_calls.clear();
  };
  for (const auto& m : history) {
    if (m.role != "tool") flush_pending();
    if (m.role == "system" || m.role == "user") {
      bj::object o{{"role", m.role}, {"content", deliver_fragments(m.content, deliveries)}};
      if (const auto* name = m.metadata.if_contains("name"); name && name->is_string()) o["name"] = *name;
      out.push_back(std::move(o));
    } else if (m.role == "assistant") {
      const auto* calls = m.metadata.if_contains("tool_calls");
      const bool has_calls = calls && calls->is_array() && !calls->as_array().empty();
      if (!has_text(m.content) && !has_calls) continue;
      bj::object o{{"role", "assistant"}, {"content", deliver_fragments(m.content, deliveries)}};
      if (has_calls) {
        o["tool_calls"] = *calls;
        for (const auto& c : calls->as_array()) {
          if (!c.is_object()) continue;
          if (const auto* id = c.as_object().if_contains("id"); id && id->is_string()) {
            answerable.insert(std::string(id->as_string()));
            pending_calls.emplace_back(id->as_string());
          }
        }
      }
      if (const auto* rd = m.metadata.if_contains("reasoning_details"); rd && !rd->is_null())
        o["reasoning_details"] = *rd;
      out.push_back(std::move(o));
    } else if (m.role == "tool") {
      // A tool row answering no earlier assistant call is left out.
      if (!m.tool_call_id || !answerable.count(*m.tool_call_id)) continue;
      std::erase(pending_calls, *m.tool_call_id);
      out.push_back(bj::object{
          {"role", "tool"},
          {"tool_call_id", *m.tool_call_id},
          {"content", m.content.is_string() ? m.content : bj::value(parley::json::serialize(m.content))}});
    }
  }
  flush_pending();
  return out;
}

bj::object build_upstream_body(const ChatRequest& request, const ActiveModelSettings& settings,
                               const std::vector<StoredMessage>& history, const ToolAttachment& tools,
                               const Deliveries* deliveries) {
  bj::object body;
  for (const auto& kv : request.body) {
    if (kv.key() == "session_id" || kv.value().is_null()) continue;
    body[kv.key()] = kv.value();
  }
  body["model"] = request.model ? *request.model : settings.model;
  body["stream"] = true;
  if (!body.contains("usage")) body["usage"] = bj::object{{"include", true}};
  auto messages = project_history(history, deliveries);
  reflect_generated_images(messages);  // in the request only; nothing is stored
  body["messages"] = std::move(messages);

  if (!settings.provider.empty()) {
    bj::object provider = settings.provider;
    if (const auto* p = body.if_contains("provider"); p && p->is_object()) {
      for (const auto& kv : p->as_object()) provider[kv.key()] = kv.value();
    }
    body["provider"] = std::move(provider);
  }
  for (const auto& kv : settings.parameters) {
    if (!body.contains(kv.key()) && !kv.value().is_null()) body[kv.key()] = kv.value();
  }

  if (tools.capability == false) {
    body.erase("tools");
    body.erase("tool_choice");
    body.erase("parallel_tool_calls");
  }
  if (request.client_tools) return body;  // the client's tools and tool_choice, as it sent them
  const bool supports = tools.capability ? *tools.capability : settings.supports_tools.value_or(true);
  const bool attach =
      !tools.tools.empty() && !request.tool_choice_none && supports && !tools.dropped_for_turn;
  if (attach) {
    body["tools"] = tools.tools;
    if (!body.contains("tool_choice")) body["tool_choice"] = "auto";
  } else {
    body.erase("tools");
    body.erase("tool_choice");
    if (tools.dropped_for_turn) body.erase("parallel_tool_calls");
  }
  return body;
}

}  // namespace parley::chat
