// Validation of the POST /api/chat/stream body (api.md §3.1): 422 items with field paths, extra keys allowed.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>

#include "core/error.hpp"

namespace parley::chat {

struct ChatRequest {
  boost::json::object body;  // the request as received (forwarded upstream after the §3.3 rules)
  std::optional<std::string> session_id;
  std::optional<std::string> model;  // non-empty request model
  std::optional<std::string> client_assistant_message_id;
  std::optional<std::string> client_parent_message_id;
  bool tool_choice_none = false;
  // The client brought its own `tools` and runs them itself (the OpenAI-compatible API): they are forwarded
  // upstream instead of parley's, and the turn ends with the hop whose tool calls go back to the client.
  bool client_tools = false;
  // Scheme and host local attachment URLs in the stream are made absolute on (PARLEY_PUBLIC_URL, else the
  // request's); set by the route, not part of the body.
  std::string public_base;
};

Result<ChatRequest> validate_chat_request(const boost::json::value& body);

}  // namespace parley::chat
