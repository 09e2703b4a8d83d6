// How a session talks to one MCP server: stdio child, Streamable HTTP or legacy HTTP+SSE. Every method runs
// on the owning aggregator's strand; incoming messages and the loss of the connection arrive as callbacks.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>
#include <functional>
#include <string>

#include "mcp/outcome.hpp"

namespace parley::mcp {

struct TransportEvents {
  std::function<void(boost::json::value)> on_message;  // one parsed message (a batch is passed whole)
  std::function<void(std::string)> on_closed;          // the connection is gone; called at most once
};

class Transport {
 public:
  virtual ~Transport() = default;
  // Starts the child or checks the endpoint; failures are readable messages.
  virtual boost::asio::awaitable<Outcome<Done>> open(TransportEvents events) = 0;
  // Sends one serialized JSON-RPC message. For HTTP transports the answer arrives through on_message.
  virtual boost::asio::awaitable<Outcome<Done>> send(std::string message) = 0;
  // Ends the connection politely (stdio: close stdin, SIGTERM, SIGKILL; HTTP: DELETE the session).
  virtual boost::asio::awaitable<void> close() = 0;
  // "stdio", "streamable-http" or "sse" (the latter once the legacy fallback was used).
  [[nodiscard]] virtual std::string kind() const = 0;
  // HTTP transports send it as MCP-Protocol-Version after initialization.
  virtual void set_protocol_version(std::string /*version*/) {}
};

}  // namespace parley::mcp
