// The body of POST /v1/chat/completions (docs/openai-api.md), checked by hand into a typed request: OpenAI's
// error shape with the offending parameter's path ("messages[2].tool_calls[0].function.name"). Members parley
// does not check are kept and forwarded upstream like the native API's extra keys (api.md §3.3).
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <boost/system/result.hpp>
#include <optional>
#include <string>

#include "core/error.hpp"

namespace parley::chat {

// An error of the OpenAI-compatible API: {"error":{"message","type","param","code"}}. The kind says what
// went wrong; api/ turns it into the HTTP status (api/responses.cpp, http_status), as for every other error.
struct OpenAiError {
  ErrorKind kind = ErrorKind::invalid_request;
  std::string message;
  std::string type = "invalid_request_error";
  std::optional<std::string> param;
  std::optional<std::string> code;

  [[nodiscard]] boost::json::object to_json() const;  // the whole body, {"error":{...}}
};

struct OpenAiChatRequest {
  boost::json::object body;  // as received (messages included), without `session_id`
  std::optional<std::string> model;
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
  bool client_tools = false;   // a non-empty `tools`: returned to the client, not run by parley
  bool tool_choice_none = false;
  bool has_system_message = false;  // a system or developer message
};

boost::system::result<OpenAiChatRequest, OpenAiError> parse_openai_chat_request(
    const boost::json::value& body);

// The message for a body that is not JSON at all.
OpenAiError openai_invalid_json(std::string_view reason);

}  // namespace parley::chat
