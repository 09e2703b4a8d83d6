#include "chat/chat_request.hpp"

#include <cmath>

namespace parley::chat {

namespace bj = boost::json;

namespace {

bool has_control_chars(std::string_view s) {
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

class Checker {
 public:
  Checker(const bj::object& body, ValidationErrors& errors) : body_(body), errors_(errors) {}

  const bj::value* get(const char* key) {
    const auto* v = body_.if_contains(key);
    return v && !v->is_null() ? v : nullptr;
  }
  void number(const char* key) {
    if (const auto* v = get(key); v && !v->is_number())
      errors_.add("float_type", loc({"body", key}), "Input should be a valid number");
  }
  void integer(const char* key) {
    const auto* v = get(key);
    if (!v) return;
    if (v->is_int64() || v->is_uint64()) return;
    if (v->is_double() && std::isfinite(v->as_double()) && std::floor(v->as_double()) == v->as_double())
      return;
    errors_.add(v->is_double() ? "int_from_float" : "int_type", loc({"body", key}),
                "Input should be a valid integer");
  }
  void boolean(const char* key) {
    if (const auto* v = get(key); v && !v->is_bool())
      errors_.add("bool_type", loc({"body", key}), "Input should be a valid boolean");
  }
  void string(const char* key) {
    if (const auto* v = get(key); v && !v->is_string())
      errors_.add("string_type", loc({"body", key}), "Input should be a valid string");
  }
  void object(const char* key) {
    if (const auto* v = get(key); v && !v->is_object())
      errors_.add("dict_type", loc({"body", key}), "Input should be a valid dictionary");
  }
  void array_of_objects(const char* key) {
    array_of(key, &bj::value::is_object, "dict_type", "Input should be a valid dictionary");
  }
  void array_of_strings(const char* key) {
    array_of(key, &bj::value::is_string, "string_type", "Input should be a valid string");
  }

 private:
  void array_of(const char* key, bool (bj::value::*is_kind)() const noexcept, const char* type,
                const char* msg) {
    const auto* v = get(key);
    if (!v) return;
    if (!v->is_array()) {
      errors_.add("list_type", loc({"body", key}), "Input should be a valid list");
      return;
    }
    for (std::size_t i = 0; i < v->as_array().size(); ++i) {
      if (!(v->as_array()[i].*is_kind)()) errors_.add(type, loc({"body", key, i}), msg);
    }
  }

  const bj::object& body_;
  ValidationErrors& errors_;
};

}  // namespace

Result<ChatRequest> validate_chat_request(const bj::value& value) {
  ValidationErrors errors;
  if (!value.is_object()) {
    errors.add("dict_type", loc({"body"}), "Input should be a valid dictionary");
    return errors.to_error();
  }
  const auto& body = value.as_object();
  Checker check(body, errors);

  const auto* messages = body.if_contains("messages");
  if (!messages) {
    errors.add("missing", loc({"body", "messages"}), "Field required");
  } else if (!messages->is_array()) {
    errors.add("list_type", loc({"body", "messages"}), "Input should be a valid list");
  } else {
    const auto& list = messages->as_array();
    for (std::size_t i = 0; i < list.size(); ++i) {
      if (!list[i].is_object()) {
        errors.add("dict_type", loc({"body", "messages", i}), "Input should be a valid dictionary");
        continue;
      }
      const auto& m = list[i].as_object();
      const auto* role = m.if_contains("role");
      if (!role) {
        errors.add("missing", loc({"body", "messages", i, "role"}), "Field required");
      } else if (!role->is_string() || (role->as_string() != "system" && role->as_string() != "user" &&
                                        role->as_string() != "assistant" && role->as_string() != "tool")) {
        errors.add("literal_error", loc({"body", "messages", i, "role"}),
                   "Input should be 'system', 'user', 'assistant' or 'tool'", *role);
      }
      if (!m.contains("content"))
        errors.add("missing", loc({"body", "messages", i, "content"}), "Field required");
      for (const char* key : {"name", "tool_call_id", "client_message_id"}) {
        if (const auto* v = m.if_contains(key); v && !v->is_null() && !v->is_string()) {
          errors.add("string_type", loc({"body", "messages", i, key}), "Input should be a valid string");
        }
      }
    }
  }

  ChatRequest req;
  if (const auto* sid = check.get("session_id")) {
    if (!sid->is_string()) {
      errors.add("string_type", loc({"body", "session_id"}), "Input should be a valid string");
    } else {
      const std::string s(sid->as_string());
      if (s.empty()) {
        errors.add("string_too_short", loc({"body", "session_id"}),
                   "String should have at least 1 character");
      } else if (s.size() > 200) {
        errors.add("string_too_long", loc({"body", "session_id"}),
                   "String should have at most 200 characters");
      } else if (has_control_chars(s)) {
        errors.add("value_error", loc({"body", "session_id"}),
                   "Value error, session_id must not contain control characters");
      } else {
        req.session_id = s;
      }
    }
  }
  check.string("model");
  for (const char* k : {"temperature", "top_p", "min_p", "top_a", "presence_penalty", "frequency_penalty",
                        "repetition_penalty"}) {
    check.number(k);
  }
  for (const char* k : {"top_k", "max_tokens", "seed", "top_logprobs"}) check.integer(k);
  if (const auto* stop = check.get("stop"); stop && !stop->is_string()) check.array_of_strings("stop");
  if (const auto* lb = check.get("logit_bias")) {
    if (!lb->is_object()) {
      errors.add("dict_type", loc({"body", "logit_bias"}), "Input should be a valid dictionary");
    } else {
      for (const auto& kv : lb->as_object()) {
        if (!kv.value().is_number())
          errors.add("float_type", loc({"body", "logit_bias", kv.key()}), "Input should be a valid number");
      }
    }
  }
  check.array_of_objects("tools");
  if (const auto* tc = check.get("tool_choice"); tc && !tc->is_string() && !tc->is_object()) {
    errors.add("union_type", loc({"body", "tool_choice"}), "Input should be a valid string or dictionary");
  }
  for (const char* k : {"parallel_tool_calls", "structured_outputs", "safe_prompt", "raw_mode"})
    check.boolean(k);
  check.array_of_objects("plugins");
  for (const char* k : {"web_search_options", "response_format", "reasoning", "provider", "metadata",
                        "stream_options", "usage", "prediction"}) {
    check.object(k);
  }
  check.array_of_strings("models");
  check.array_of_strings("transforms");
  check.string("route");
  check.string("user");
  if (!errors.empty()) return errors.to_error();

  req.body = body;
  if (const auto* m = check.get("model"); m && !m->as_string().empty())
    req.model = std::string(m->as_string());
  if (const auto* md = check.get("metadata")) {
    const auto& meta = md->as_object();
    if (const auto* a = meta.if_contains("client_assistant_message_id"); a && a->is_string()) {
      req.client_assistant_message_id = std::string(a->as_string());
    }
    if (const auto* p = meta.if_contains("client_parent_message_id"); p && p->is_string()) {
      req.client_parent_message_id = std::string(p->as_string());
    }
  }
  if (const auto* tc = check.get("tool_choice"); tc && tc->is_string() && tc->as_string() == "none") {
    req.tool_choice_none = true;
  }
  return req;
}

}  // namespace parley::chat
