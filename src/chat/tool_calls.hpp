// Tool calls of one assistant turn (api.md §3.6): argument checks, session injection for chat_history,
// running the call through the MCP aggregator, the follow-up notice rules of §3.5, and the tool-refusal test
// of the retry without tools.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>

namespace parley::chat {

struct PreparedCall {
  std::string call_id;
  std::string name;
  std::optional<boost::json::object> arguments;  // nullopt: not run, `error_text` is the result
  std::string error_text;
  bool missing_arguments = false;
};

// `raw_arguments` is the model's argument string; `schema` the tool's input schema (may be null).
PreparedCall prepare_call(const std::string& call_id, const std::string& name,
                          const std::string& raw_arguments, const boost::json::value* schema,
                          const std::string& session_id);

// The notice of §3.5 for a result, or nullopt. `status` is "finished" or "error".
std::optional<std::string> followup_reason(const PreparedCall& call, const std::string& status,
                                           const std::string& result_text);

// §3.6 retry rule: the refusal text contains "tool", "support" and "tool use" (lower-cased).
bool is_tool_refusal(int status, const std::string& error_body);

}  // namespace parley::chat
