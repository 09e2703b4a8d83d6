// How a session talks to one MCP server: stdio child, Streamable HTTP or legacy HTTP+SSE. Every method runs
// on the owning aggregator's strand; incoming messages and the loss of the connection arrive as callbacks.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "mcp/failure.hpp"

namespace parley::mcp {

struct TransportEvents {
  // One parsed message (a batch is passed whole) and, when the transport knows it, the id of parley's request
  // whose response stream carried it: over Streamable HTTP a server sends the requests that belong to a call
  // (elicitation/create) on that call's stream. None for stdio, the standalone GET stream and legacy SSE.
  std::function<void(boost::json::value, std::optional<std::int64_t> related_request)> on_message;
  std::function<void(std::string)> on_closed;  // the connection is gone; called at most once
  // A request that was sent in the background (HTTP transports) could not be delivered: its waiter fails
  // with `failure` (whose kind says, for one, that the server forgot the session and a retry is safe).
  std::function<void(std::int64_t request_id, Failure failure)> on_request_failed;
};

class Transport {
 public:
  virtual ~Transport() = default;
  // Starts the child or checks the endpoint; failures are readable messages.
  virtual boost::asio::awaitable<Result<void, Failure>> open(TransportEvents events) = 0;
  // Sends one serialized JSON-RPC message. For HTTP transports the answer arrives through on_message.
  virtual boost::asio::awaitable<Result<void, Failure>> send(std::string message) = 0;
  // Ends the connection politely (stdio: close stdin, SIGTERM, SIGKILL; HTTP: DELETE the session).
  virtual boost::asio::awaitable<void> close() = 0;
  // "stdio", "streamable-http" or "sse" (the latter once the legacy fallback was used).
  [[nodiscard]] virtual std::string kind() const = 0;
  // HTTP transports send it as MCP-Protocol-Version after initialization.
  virtual void set_protocol_version(std::string /*version*/) {}
};

}  // namespace parley::mcp
