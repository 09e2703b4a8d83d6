// POST /v1/chat/completions behind the API (docs/openai-api.md): one request of the OpenAI-compatible API run
// as a chat turn of parley's own orchestrator — the same hops, the same §3.6 tool loop with its limits, the
// same cancellation — with the client's messages as the history (kept in memory, or stored as a parley
// conversation when the key asks for it), the MCP servers the key may use, and OpenAI's wire format out.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <vector>

#include "chat/chat_orchestrator.hpp"
#include "chat/openai_request.hpp"
#include "chat/openai_stream.hpp"

namespace parley::chat {

struct OpenAiTurn {
  OpenAiChatRequest request;
  std::optional<std::vector<std::string>> mcp_servers;  // the servers whose tools are offered; nullopt: all
  bool store_history = false;
};

struct OpenAiOutcome {
  OpenAiUsage usage;
  std::optional<OpenAiError> error;
  boost::json::object completion;         // not streaming, without error
  std::string model;                      // the model the request resolved to
  std::optional<std::string> session_id;  // the stored conversation
};

class OpenAiCompletions {
 public:
  // `deps.tools` are all of parley's tools (filtered per request); `deps.rows` and `deps.settings` are
  // replaced per request.
  explicit OpenAiCompletions(ChatDependencies deps) : deps_(deps) {}

  // The model a request runs with: its own, else the active settings' model.
  std::string resolve_model(const OpenAiChatRequest& request);

  // Streaming: OpenAI's chunks go to `client` (which also carries the cancellation). Not streaming: `client`
  // is null, `cancel` fires when the client leaves, and the outcome carries the completion object.
  boost::asio::awaitable<OpenAiOutcome> run(OpenAiTurn turn, std::string request_id, net::SseSink* client,
                                            CancelSignal* cancel);

 private:
  ChatDependencies deps_;
  SessionTurnLocks locks_;  // each request is its own session: in-process locks suffice
};

}  // namespace parley::chat
