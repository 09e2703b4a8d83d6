#include "chat/conversation_import.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <unordered_set>

#include "chat/conversation_title.hpp"
#include "core/clock.hpp"
#include "core/ids.hpp"

namespace parley::chat {

namespace bj = boost::json;

namespace {

using Path = std::vector<bj::value>;

// The first structural problem found, as a 422 with its location.
struct Problem {
  Path where;
  std::string what;
};

Error problem_error(const Problem& p) {
  ValidationErrors errors;
  bj::array location{"body"};
  for (const auto& part : p.where) location.push_back(part);
  errors.add("value_error", std::move(location), "Value error, " + p.what);
  return errors.to_error();
}

Path at(Path base, bj::value part) {
  base.push_back(std::move(part));
  return base;
}

// Client ids of stored rows are short printable strings; anything else is dropped.
std::optional<std::string> client_id(const bj::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v || !v->is_string()) return std::nullopt;
  const auto& s = v->get_string();
  if (s.empty() || s.size() > 200) return std::nullopt;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f) return std::nullopt;
  }
  return std::string(s);
}

// Seconds since the epoch (ChatGPT's create_time); nullopt for anything not a plausible time.
std::optional<store::SystemTime> epoch_time(const bj::value* v) {
  if (!v || !v->is_number()) return std::nullopt;
  const double seconds = v->to_number<double>();
  // 1970 to 2200: system_clock's nanoseconds overflow soon after 2262.
  if (!std::isfinite(seconds) || seconds < 0 || seconds > 7258118400.0) return std::nullopt;
  return store::SystemTime(std::chrono::seconds(static_cast<std::int64_t>(seconds)));
}

std::optional<store::SystemTime> text_time(const bj::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v || !v->is_string()) return std::nullopt;
  return parse_timestamp(v->get_string());
}

// ---- parley exports (§8.4) ----

// Content as parley stores it: attachment fragments cannot come along (their objects are not in the file), so
// each becomes a text note; everything else but text fragments is dropped.
bj::value imported_content(const bj::value& content, std::size_t& skipped) {
  if (!content.is_array()) return content;
  bj::array out;
  for (const auto& f : content.as_array()) {
    const auto* o = f.if_object();
    const auto* type = o ? o->if_contains("type") : nullptr;
    if (!type || !type->is_string()) {
      ++skipped;
      continue;
    }
    if (type->get_string() == "text") {
      const auto* text = o->if_contains("text");
      if (text && text->is_string())
        out.push_back(bj::object{{"type", "text"}, {"text", text->get_string()}});
      continue;
    }
    ++skipped;
    std::string name = "attachment";
    if (const auto* meta = o->if_contains("metadata"); meta && meta->is_object()) {
      if (const auto* fn = meta->as_object().if_contains("filename"); fn && fn->is_string())
        name = std::string(fn->get_string()).substr(0, 200);
    }
    out.push_back(bj::object{{"type", "text"}, {"text", "[attachment not imported: " + name + "]"}});
  }
  if (out.empty()) return nullptr;
  return out;
}

std::optional<Problem> parley_message(const bj::value& value, const Path& where, store::SystemTime now,
                                      ImportedConversation& into) {
  const auto* m = value.if_object();
  if (!m) return Problem{where, "a message must be an object"};
  const auto* role_value = m->if_contains("role");
  if (!role_value || !role_value->is_string())
    return Problem{at(where, "role"), "a message needs a role (system, user, assistant or tool)"};
  const std::string role(role_value->get_string());
  if (role != "system" && role != "user" && role != "assistant" && role != "tool")
    return Problem{at(where, "role"),
                   "role must be system, user, assistant or tool, not \"" + role.substr(0, 40) + "\""};
  const auto* content = m->if_contains("content");
  if (content && !content->is_string() && !content->is_array() && !content->is_null())
    return Problem{at(where, "content"), "content must be a string, a list of fragments or null"};

  store::NewMessage row;
  row.role = role;
  row.content = content ? imported_content(*content, into.skipped_messages) : bj::value(nullptr);
  row.client_message_id = client_id(*m, "client_message_id");
  row.parent_client_message_id = client_id(*m, "parent_client_message_id");
  row.created_at = text_time(*m, "created_at_utc");
  if (!row.created_at) row.created_at = text_time(*m, "created_at");
  if (!row.created_at) row.created_at = now;
  auto copy = [&](const char* key, bool (bj::value::*is_type)() const noexcept) {
    const auto* v = m->if_contains(key);
    if (v && (v->*is_type)()) row.metadata[key] = *v;
  };
  if (role == "assistant") {
    copy("finish_reason", &bj::value::is_string);
    copy("tool_calls", &bj::value::is_array);
    copy("model", &bj::value::is_string);
    copy("usage", &bj::value::is_object);
    copy("meta", &bj::value::is_object);
    copy("generation_id", &bj::value::is_string);
    copy("reasoning", &bj::value::is_array);
    copy("annotations", &bj::value::is_array);
    copy("routing", &bj::value::is_object);
    copy("error", &bj::value::is_object);
    if (row.client_message_id) row.metadata["client_message_id"] = *row.client_message_id;
  } else if (role == "tool") {
    row.tool_call_id = client_id(*m, "tool_call_id");
    if (const auto* name = m->if_contains("name"); name && name->is_string())
      row.metadata["tool_name"] = *name;
    if (row.parent_client_message_id)
      row.metadata["parent_client_message_id"] = *row.parent_client_message_id;
    if (const auto* status = m->if_contains("status"); status && status->is_string())
      row.metadata["tool_status"] = status->get_string() == "error" ? "error" : "finished";
    if (row.content.is_null()) {
      if (const auto* result = m->if_contains("result"); result && result->is_string()) row.content = *result;
    }
  } else {
    copy("name", &bj::value::is_string);
  }
  into.messages.push_back(std::move(row));
  return std::nullopt;
}

std::optional<Problem> parley_conversation(const bj::value& value, const Path& where, store::SystemTime now,
                                           ImportPlan& plan, std::size_t index) {
  const auto* c = value.if_object();
  if (!c) return Problem{where, "a conversation must be an object"};
  const auto* messages = c->if_contains("messages");
  if (!messages || !messages->is_array())
    return Problem{at(where, "messages"), "a parley conversation needs a messages list"};
  if (messages->as_array().size() > kMaxImportMessagesPerConversation)
    return Problem{at(where, "messages"), "more than " + std::to_string(kMaxImportMessagesPerConversation) +
                                              " messages in one conversation"};
  ImportedConversation conversation;
  conversation.index = index;
  if (const auto* title = c->if_contains("title"); title && title->is_string())
    conversation.title = imported_title(title->get_string());
  std::size_t i = 0;
  for (const auto& m : messages->as_array()) {
    if (auto p = parley_message(m, at(at(where, "messages"), i), now, conversation)) return p;
    ++i;
  }
  const bool visible = std::any_of(conversation.messages.begin(), conversation.messages.end(),
                                   [](const auto& m) { return m.role == "user" || m.role == "assistant"; });
  if (!visible) {
    plan.skipped.push_back({index, conversation.title, "no user or assistant message"});
  } else {
    plan.conversations.push_back(std::move(conversation));
  }
  return std::nullopt;
}

// ---- ChatGPT's conversations.json ----

// The text of a ChatGPT message's content, or nullopt when it is not something a reader saw as text.
std::optional<std::string> chatgpt_text(const bj::object& content, std::size_t& skipped_parts) {
  const auto* type = content.if_contains("content_type");
  const std::string_view kind = type && type->is_string() ? std::string_view(type->get_string()) : "";
  if (kind == "code") {
    const auto* text = content.if_contains("text");
    if (!text || !text->is_string()) return std::nullopt;
    return "```\n" + std::string(text->get_string()) + "\n```";
  }
  if (kind != "text" && kind != "multimodal_text") return std::nullopt;
  const auto* parts = content.if_contains("parts");
  if (!parts || !parts->is_array()) return std::nullopt;
  std::string text;
  for (const auto& part : parts->as_array()) {
    if (part.is_string()) {
      if (part.get_string().empty()) continue;
      if (!text.empty()) text += "\n";
      text += part.get_string();
    } else {
      ++skipped_parts;  // images and other assets: their files are not in conversations.json
    }
  }
  return text;
}

// The nodes from `current_node` up to the root, root first; a cycle or a node that is not an object is a
// problem. A parent missing from the mapping ends the walk (ChatGPT leaves such dangling roots).
std::optional<Problem> chatgpt_path(const bj::object& mapping, std::string_view current, const Path& where,
                                    std::vector<const bj::object*>& path) {
  std::string_view id = current;
  std::unordered_set<std::string_view> seen;
  while (true) {
    const auto* node_value = mapping.if_contains(id);
    if (!node_value) break;
    const auto* node = node_value->if_object();
    if (!node) return Problem{at(where, bj::string(id)), "a mapping node must be an object"};
    if (!seen.insert(id).second) return Problem{where, "the mapping's parent links form a cycle"};
    path.push_back(node);
    const auto* parent = node->if_contains("parent");
    if (!parent || parent->is_null()) break;
    if (!parent->is_string())
      return Problem{at(at(where, bj::string(id)), "parent"), "parent must be a node id or null"};
    id = parent->get_string();
  }
  std::reverse(path.begin(), path.end());
  return std::nullopt;
}

// The leaf that was shown last when current_node is missing: the newest node without children.
std::string_view newest_leaf(const bj::object& mapping) {
  std::string_view best;
  double best_time = -1;
  for (const auto& kv : mapping) {
    const auto* node = kv.value().if_object();
    if (!node) continue;
    const auto* children = node->if_contains("children");
    if (children && children->is_array() && !children->as_array().empty()) continue;
    double t = 0;
    if (const auto* m = node->if_contains("message"); m && m->is_object()) {
      if (const auto* ct = m->as_object().if_contains("create_time"); ct && ct->is_number())
        t = ct->to_number<double>();
    }
    if (best.empty() || t >= best_time) {
      best = kv.key();
      best_time = t;
    }
  }
  return best;
}

std::optional<Problem> chatgpt_conversation(const bj::value& value, const Path& where, store::SystemTime now,
                                            ImportPlan& plan, std::size_t index) {
  const auto* c = value.if_object();
  if (!c) return Problem{where, "a conversation must be an object"};
  const auto* mapping_value = c->if_contains("mapping");
  if (!mapping_value || !mapping_value->is_object())
    return Problem{at(where, "mapping"), "a ChatGPT conversation needs a mapping object"};
  const auto& mapping = mapping_value->as_object();
  if (mapping.size() > kMaxImportMessagesPerConversation)
    return Problem{at(where, "mapping"), "more than " + std::to_string(kMaxImportMessagesPerConversation) +
                                             " nodes in one conversation"};
  ImportedConversation conversation;
  conversation.index = index;
  if (const auto* title = c->if_contains("title"); title && title->is_string())
    conversation.title = imported_title(title->get_string());
  const auto started = epoch_time(c->if_contains("create_time")).value_or(now);

  std::string_view current;
  if (const auto* cn = c->if_contains("current_node"); cn && cn->is_string()) {
    current = cn->get_string();
  } else if (cn && !cn->is_null()) {
    return Problem{at(where, "current_node"), "current_node must be a node id or null"};
  }
  if (current.empty() || !mapping.contains(current)) current = newest_leaf(mapping);
  std::vector<const bj::object*> path;
  if (auto p = chatgpt_path(mapping, current, at(where, "mapping"), path)) return p;

  std::optional<std::string> last_user;
  std::optional<std::string> assistant_turn;  // one client id for consecutive assistant messages
  for (const auto* node : path) {
    const auto* message_value = node->if_contains("message");
    if (!message_value || !message_value->is_object()) continue;  // the empty root
    const auto& message = message_value->as_object();
    const auto* author = message.if_contains("author");
    const auto* role_value =
        author && author->is_object() ? author->as_object().if_contains("role") : nullptr;
    const std::string_view role =
        role_value && role_value->is_string() ? std::string_view(role_value->get_string()) : "";
    const auto* meta = message.if_contains("metadata");
    const bool hidden = meta && meta->is_object() && [&] {
      const auto* h = meta->as_object().if_contains("is_visually_hidden_from_conversation");
      return h && h->is_bool() && h->get_bool();
    }();
    const auto* recipient = message.if_contains("recipient");
    const bool to_tool = recipient && recipient->is_string() && recipient->get_string() != "all";
    const auto* content = message.if_contains("content");
    std::optional<std::string> text;
    if (content && content->is_object())
      text = chatgpt_text(content->as_object(), conversation.skipped_messages);
    if ((role != "user" && role != "assistant") || hidden || to_tool || !text || text->empty()) {
      // The system prompt, tool traffic, hidden context and reasoning summaries: nothing a reader saw as
      // chat.
      if (role == "user" || role == "assistant" || role == "tool") ++conversation.skipped_messages;
      continue;
    }
    store::NewMessage row;
    row.role = std::string(role);
    row.content = bj::string(*text);
    row.created_at = epoch_time(message.if_contains("create_time")).value_or(started);
    if (role == "user") {
      last_user = "user_" + new_uuid_hex();
      assistant_turn.reset();
      row.client_message_id = last_user;
    } else {
      if (!assistant_turn) assistant_turn = "assistant_" + new_uuid_hex();
      row.client_message_id = assistant_turn;
      row.parent_client_message_id = last_user;
      row.metadata["client_message_id"] = *assistant_turn;
      row.metadata["finish_reason"] = "stop";
      if (meta && meta->is_object()) {
        if (const auto* slug = meta->as_object().if_contains("model_slug"); slug && slug->is_string())
          row.metadata["model"] = *slug;
      }
    }
    conversation.messages.push_back(std::move(row));
  }
  if (conversation.messages.empty()) {
    plan.skipped.push_back({index, conversation.title, "no user or assistant text along current_node"});
  } else {
    plan.conversations.push_back(std::move(conversation));
  }
  return std::nullopt;
}

template <class ReadOne>
std::optional<Problem> read_list(const bj::array& list, const Path& where, ReadOne read_one) {
  if (list.size() > kMaxImportConversations)
    return Problem{where,
                   "more than " + std::to_string(kMaxImportConversations) + " conversations in one file"};
  std::size_t i = 0;
  for (const auto& item : list) {
    if (auto p = read_one(item, at(where, i), i)) return p;
    ++i;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> imported_title(std::string_view title) {
  std::string cleaned;
  cleaned.reserve(title.size());
  for (char c : title) {
    const auto u = static_cast<unsigned char>(c);
    cleaned += (u < 0x20 || u == 0x7f) ? ' ' : c;
  }
  // Cut at a character boundary once the 200 characters of §8.3 are reached.
  std::size_t characters = 0, end = 0;
  for (std::size_t i = 0; i < cleaned.size(); ++i) {
    if ((static_cast<unsigned char>(cleaned[i]) & 0xC0) != 0x80) {
      if (characters == kMaxTitleCharacters) break;
      ++characters;
    }
    end = i + 1;
  }
  cleaned.resize(end);
  return stored_title(cleaned);
}

Result<ImportPlan> read_import(const bj::value& document, store::SystemTime now) {
  ImportPlan plan;
  std::optional<Problem> problem;
  auto chatgpt = [&](const bj::value& v, const Path& where, std::size_t i) {
    return chatgpt_conversation(v, where, now, plan, i);
  };
  auto parley = [&](const bj::value& v, const Path& where, std::size_t i) {
    return parley_conversation(v, where, now, plan, i);
  };
  if (document.is_array()) {
    plan.format = "chatgpt";
    problem = read_list(document.as_array(), {}, chatgpt);
  } else if (const auto* o = document.if_object(); o && o->contains("conversations")) {
    plan.format = "parley_bundle";
    const auto& list = o->at("conversations");
    if (!list.is_array()) return problem_error({{"conversations"}, "conversations must be a list"});
    problem = read_list(list.as_array(), {"conversations"}, parley);
  } else if (o && o->contains("messages")) {
    plan.format = "parley";
    problem = parley_conversation(document, {}, now, plan, 0);
  } else if (o && o->contains("mapping")) {
    plan.format = "chatgpt";
    problem = chatgpt_conversation(document, {}, now, plan, 0);
  } else {
    return problem_error({{},
                          "this is neither a parley export (an object with messages, or with conversations) "
                          "nor a ChatGPT conversations.json (a list of conversations with a mapping)"});
  }
  if (problem) return problem_error(*problem);
  return plan;
}

}  // namespace parley::chat
