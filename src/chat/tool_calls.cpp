#include "chat/tool_calls.hpp"

#include <cctype>

#include "core/json.hpp"
#include "core/text.hpp"

namespace parley::chat {

namespace bj = boost::json;

namespace {

const char* json_kind_name(const bj::value& v) {
  if (v.is_array()) return "array";
  if (v.is_string()) return "string";
  if (v.is_bool()) return "boolean";
  if (v.is_null()) return "null";
  return "number";
}

bool schema_requires_arguments(const bj::value* schema) {
  if (!schema || !schema->is_object()) return false;
  const auto* req = schema->as_object().if_contains("required");
  return req && req->is_array() && !req->as_array().empty();
}

bool is_blank(const std::string& s) {
  for (char c : s) {
    if (!std::isspace(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

void collect_strings(const bj::value& v, std::string& out) {
  if (v.is_string()) {
    out += ' ';
    out += v.as_string();
  } else if (v.is_object()) {
    for (const auto& kv : v.as_object()) collect_strings(kv.value(), out);
  } else if (v.is_array()) {
    for (const auto& i : v.as_array()) collect_strings(i, out);
  }
}

}  // namespace

PreparedCall prepare_call(const std::string& call_id, const std::string& name,
                          const std::string& raw_arguments, const bj::value* schema,
                          const std::string& session_id) {
  PreparedCall call;
  call.call_id = call_id;
  call.name = name;
  if (is_blank(raw_arguments)) {
    if (schema_requires_arguments(schema)) {
      call.missing_arguments = true;
      call.error_text = "Tool " + name + " requires arguments but none were provided.";
      return call;
    }
    call.arguments = bj::object{};
  } else {
    std::string why;
    auto parsed = json::parse(raw_arguments, &why);
    if (!parsed) {
      call.error_text = "Invalid JSON arguments for tool " + name + ": " + why;
      return call;
    }
    if (!parsed->is_object()) {
      call.error_text = "Tool " + name + " expected a JSON object for arguments but received " +
                        json_kind_name(*parsed) + ".";
      return call;
    }
    call.arguments = std::move(parsed->as_object());
  }
  if ((name == "chat_history" || name.ends_with("__chat_history")) &&
      !call.arguments->contains("session_id")) {
    (*call.arguments)["session_id"] = session_id;
  }
  return call;
}

std::optional<std::string> followup_reason(const PreparedCall& call, const std::string& status,
                                           const std::string& result_text) {
  if (call.missing_arguments) return "missing_arguments";
  static const char* phrases[] = {"not found",   "no results",     "no result",    "could not find",
                                  "can't find",  "cannot find",    "wasn't found", "nothing found",
                                  "no matching", "no events found"};
  const auto text = text::lower(result_text);
  bool no_results = false;
  for (const char* p : phrases) {
    if (text.find(p) != std::string::npos) no_results = true;
  }
  if (status == "error") return no_results ? "no_results" : "tool_error";
  if (is_blank(result_text)) return "empty_result";
  if (no_results) return "no_results";
  return std::nullopt;
}

bool is_tool_refusal(int status, const std::string& error_body) {
  if (status != 404) return false;
  std::string text;
  if (auto parsed = json::parse(error_body)) {
    const bj::value* err = parsed->is_object() ? parsed->as_object().if_contains("error") : nullptr;
    if (err && err->is_object()) {
      collect_strings(*err, text);
    } else if (err && err->is_string()) {
      text = std::string(err->as_string());
    } else {
      collect_strings(*parsed, text);
    }
  } else {
    text = error_body;
  }
  text = text::lower(text);
  return text.find("tool") != std::string::npos && text.find("support") != std::string::npos &&
         text.find("tool use") != std::string::npos;
}

}  // namespace parley::chat
