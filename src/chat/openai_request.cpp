#include "chat/openai_request.hpp"

#include <array>
#include <cctype>

#include "core/json.hpp"

namespace parley::chat {

namespace bj = boost::json;

namespace {

constexpr std::size_t kMaxMessages = 100000;
constexpr std::size_t kMaxTools = 512;
constexpr std::size_t kMaxToolNameLength = 64;

using Parsed = boost::system::result<OpenAiChatRequest, OpenAiError>;

OpenAiError invalid(std::string param, std::string message, const char* code = "invalid_value") {
  OpenAiError e;
  e.message = std::move(message);
  e.param = std::move(param);
  e.code = code;
  return e;
}

OpenAiError wrong_type(const std::string& param, const char* expected) {
  return invalid(param, "Invalid type for '" + param + "': expected " + expected + ".", "invalid_type");
}

std::string at(const std::string& base, std::size_t i) {
  return base + "[" + std::to_string(i) + "]";
}

bool is_integer(const bj::value& v) {
  if (v.is_int64() || v.is_uint64()) return true;
  if (!v.is_double()) return false;
  const double d = v.get_double();
  // Out of long long's range (or not finite) the cast would be undefined: such a number is no count anyway.
  if (!(d >= -9.2e18 && d <= 9.2e18)) return false;
  return d == static_cast<double>(static_cast<long long>(d));
}

// Content of a message: a string, or an array of parts that are objects with a string `type`.
std::optional<OpenAiError> check_content(const bj::value& content, const std::string& param, bool null_ok) {
  if (content.is_string()) return std::nullopt;
  if (content.is_null()) {
    if (null_ok) return std::nullopt;
    return wrong_type(param, "a string or an array of content parts");
  }
  if (!content.is_array()) return wrong_type(param, "a string or an array of content parts");
  const auto& parts = content.as_array();
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const auto p = at(param, i);
    if (!parts[i].is_object()) return wrong_type(p, "an object");
    const auto* type = parts[i].as_object().if_contains("type");
    if (!type || !type->is_string())
      return invalid(p + ".type", "Missing required parameter: '" + p + ".type'.",
                     "missing_required_parameter");
  }
  return std::nullopt;
}

std::optional<OpenAiError> check_tool_calls(const bj::value& calls, const std::string& param) {
  if (!calls.is_array()) return wrong_type(param, "an array");
  const auto& a = calls.as_array();
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto p = at(param, i);
    if (!a[i].is_object()) return wrong_type(p, "an object");
    const auto& c = a[i].as_object();
    const auto* id = c.if_contains("id");
    if (!id || !id->is_string() || id->as_string().empty())
      return invalid(p + ".id", "Missing required parameter: '" + p + ".id'.", "missing_required_parameter");
    const auto* fn = c.if_contains("function");
    if (!fn || !fn->is_object()) return wrong_type(p + ".function", "an object");
    const auto* name = fn->as_object().if_contains("name");
    if (!name || !name->is_string() || name->as_string().empty())
      return invalid(p + ".function.name", "Missing required parameter: '" + p + ".function.name'.",
                     "missing_required_parameter");
    const auto* args = fn->as_object().if_contains("arguments");
    if (args && !args->is_string()) return wrong_type(p + ".function.arguments", "a string");
  }
  return std::nullopt;
}

std::optional<OpenAiError> check_message(const bj::value& v, const std::string& p, OpenAiChatRequest& out) {
  if (!v.is_object()) return wrong_type(p, "an object");
  const auto& m = v.as_object();
  const auto* role = m.if_contains("role");
  if (!role)
    return invalid(p + ".role", "Missing required parameter: '" + p + ".role'.",
                   "missing_required_parameter");
  if (!role->is_string()) return wrong_type(p + ".role", "a string");
  const std::string_view r = role->as_string();
  if (r != "system" && r != "developer" && r != "user" && r != "assistant" && r != "tool") {
    return invalid(p + ".role",
                   "Invalid value: '" + std::string(r) +
                       "'. Supported values are: 'system', 'developer', 'user', 'assistant' and 'tool'.");
  }
  if (r == "system" || r == "developer") out.has_system_message = true;
  if (const auto* name = m.if_contains("name"); name && !name->is_string())
    return wrong_type(p + ".name", "a string");
  const auto* content = m.if_contains("content");
  if (r == "assistant") {
    const auto* calls = m.if_contains("tool_calls");
    const bool has_calls = calls && !calls->is_null();
    if (has_calls) {
      if (auto e = check_tool_calls(*calls, p + ".tool_calls")) return e;
    }
    if (content) {
      if (auto e = check_content(*content, p + ".content", true)) return e;
    } else if (!has_calls) {
      return invalid(p + ".content", "Missing required parameter: '" + p + ".content'.",
                     "missing_required_parameter");
    }
    return std::nullopt;
  }
  if (!content)
    return invalid(p + ".content", "Missing required parameter: '" + p + ".content'.",
                   "missing_required_parameter");
  if (auto e = check_content(*content, p + ".content", false)) return e;
  if (r == "tool") {
    const auto* id = m.if_contains("tool_call_id");
    if (!id)
      return invalid(p + ".tool_call_id", "Missing required parameter: '" + p + ".tool_call_id'.",
                     "missing_required_parameter");
    if (!id->is_string()) return wrong_type(p + ".tool_call_id", "a string");
  }
  return std::nullopt;
}

std::optional<OpenAiError> check_tools(const bj::value& v, OpenAiChatRequest& out) {
  if (v.is_null()) return std::nullopt;
  if (!v.is_array()) return wrong_type("tools", "an array");
  const auto& a = v.as_array();
  if (a.size() > kMaxTools)
    return invalid("tools", "Too many tools: at most 512 are accepted.", "array_above_max_length");
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto p = at("tools", i);
    if (!a[i].is_object()) return wrong_type(p, "an object");
    const auto& t = a[i].as_object();
    const auto* type = t.if_contains("type");
    if (!type || !type->is_string() || type->as_string() != "function")
      return invalid(p + ".type", "Invalid value for '" + p + ".type': only 'function' tools are supported.");
    const auto* fn = t.if_contains("function");
    if (!fn || !fn->is_object()) return wrong_type(p + ".function", "an object");
    const auto* name = fn->as_object().if_contains("name");
    if (!name || !name->is_string())
      return invalid(p + ".function.name", "Missing required parameter: '" + p + ".function.name'.",
                     "missing_required_parameter");
    const std::string_view n = name->as_string();
    bool ok = !n.empty() && n.size() <= kMaxToolNameLength;
    for (char c : n) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-');
    if (!ok) {
      return invalid(
          p + ".function.name",
          "Invalid '" + p + ".function.name': must be 1 to 64 characters of a-z, A-Z, 0-9, '_' and '-'.");
    }
    if (const auto* params = fn->as_object().if_contains("parameters"); params && !params->is_object())
      return wrong_type(p + ".function.parameters", "an object");
  }
  out.client_tools = !a.empty();
  return std::nullopt;
}

}  // namespace

bj::object OpenAiError::to_json() const {
  bj::object e{{"message", message},
               {"type", type},
               {"param", param ? bj::value(*param) : bj::value(nullptr)},
               {"code", code ? bj::value(*code) : bj::value(nullptr)}};
  return bj::object{{"error", std::move(e)}};
}

OpenAiError openai_invalid_json(std::string_view reason) {
  OpenAiError e;
  e.message = "We could not parse the JSON body of your request (" + std::string(reason) +
              "). The OpenAI API expects a JSON payload.";
  return e;
}

Parsed parse_openai_chat_request(const bj::value& body) {
  if (!body.is_object()) return openai_invalid_json("the body is not a JSON object");
  OpenAiChatRequest out;
  out.body = body.as_object();
  out.body.erase("session_id");  // parley's own chat field: not this API's
  const auto& o = out.body;

  const auto* messages = o.if_contains("messages");
  if (!messages)
    return invalid("messages", "Missing required parameter: 'messages'.", "missing_required_parameter");
  if (!messages->is_array()) return wrong_type("messages", "an array");
  const auto& list = messages->as_array();
  if (list.empty())
    return invalid("messages", "Invalid 'messages': empty array. Expected an array with minimum length 1.",
                   "empty_array");
  if (list.size() > kMaxMessages)
    return invalid("messages", "Invalid 'messages': too many messages.", "array_above_max_length");
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (auto e = check_message(list[i], at("messages", i), out)) return *e;
  }

  if (const auto* model = o.if_contains("model"); model && !model->is_null()) {
    if (!model->is_string()) return wrong_type("model", "a string");
    if (!model->as_string().empty()) out.model = std::string(model->as_string());
  }
  if (const auto* stream = o.if_contains("stream"); stream && !stream->is_null()) {
    if (!stream->is_bool()) return wrong_type("stream", "a boolean");
    out.stream = stream->get_bool();
  }
  if (const auto* so = o.if_contains("stream_options"); so && !so->is_null()) {
    if (!so->is_object()) return wrong_type("stream_options", "an object");
    if (const auto* iu = so->as_object().if_contains("include_usage"); iu && !iu->is_null()) {
      if (!iu->is_bool()) return wrong_type("stream_options.include_usage", "a boolean");
      out.include_usage = iu->get_bool();
    }
  }
  if (const auto* tools = o.if_contains("tools")) {
    if (auto e = check_tools(*tools, out)) return *e;
  }
  if (const auto* choice = o.if_contains("tool_choice"); choice && !choice->is_null()) {
    if (choice->is_string()) {
      const std::string_view c = choice->as_string();
      if (c != "none" && c != "auto" && c != "required")
        return invalid("tool_choice", "Invalid value: '" + std::string(c) +
                                          "'. Supported values are: 'none', 'auto' and 'required'.");
      out.tool_choice_none = c == "none";
    } else if (!choice->is_object()) {
      return wrong_type("tool_choice", "a string or an object");
    }
  }
  static constexpr std::array numbers = {"temperature", "top_p", "presence_penalty", "frequency_penalty"};
  for (const char* key : numbers) {
    if (const auto* v = o.if_contains(key); v && !v->is_null() && !v->is_number())
      return wrong_type(key, "a number");
  }
  static constexpr std::array integers = {"max_tokens", "max_completion_tokens", "n", "seed", "top_logprobs"};
  for (const char* key : integers) {
    if (const auto* v = o.if_contains(key); v && !v->is_null() && !is_integer(*v))
      return wrong_type(key, "an integer");
  }
  if (const auto* n = o.if_contains("n"); n && is_integer(*n) && n->to_number<double>() != 1) {
    return invalid("n", "Only n=1 is supported: parley returns one choice.", "unsupported_value");
  }
  if (const auto* stop = o.if_contains("stop"); stop && !stop->is_null() && !stop->is_string()) {
    if (!stop->is_array()) return wrong_type("stop", "a string or an array of strings");
    for (std::size_t i = 0; i < stop->as_array().size(); ++i)
      if (!stop->as_array()[i].is_string()) return wrong_type(at("stop", i), "a string");
  }
  if (const auto* user = o.if_contains("user"); user && !user->is_null() && !user->is_string())
    return wrong_type("user", "a string");
  return out;
}

}  // namespace parley::chat
