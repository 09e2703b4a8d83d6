// One MCP client session over a transport: initialize with version negotiation, initialized, tools/list with
// pagination, tools/call, ping, list_changed, elicitation/create answered through an ElicitationHandler, and
// close.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/cancel_signal.hpp"
#include "mcp/elicitation.hpp"
#include "mcp/failure.hpp"
#include "mcp/rpc_peer.hpp"
#include "mcp/transport.hpp"

namespace parley::mcp {

inline constexpr const char* latest_protocol_version = "2025-11-25";
// Versions parley accepts when the server answers initialize with another one (newest first).
bool is_supported_protocol_version(std::string_view version);

struct ToolDescription {
  std::string name;
  std::optional<std::string> description;
  boost::json::value input_schema;  // null when the server gave none
  bool destructive = false;         // annotations.destructiveHint (a hint from the server, not a promise)
};

struct ToolCallResult {
  bool is_error = false;
  boost::json::array content;  // text, image, audio, resource_link, resource items as the server sent them
  std::optional<boost::json::value> structured_content;
};

// Parses the `result` of tools/call; a result without `content` is tolerated (empty content).
Result<ToolCallResult, Failure> parse_tool_call_result(const boost::json::value& result);
// Parses one page of tools/list; appends to `tools`, returns the next cursor (empty when done).
Result<std::string, Failure> parse_tools_page(const boost::json::value& result,
                                              std::vector<ToolDescription>& tools);

struct SessionCallbacks {
  std::function<void()> on_tools_changed;
  std::function<void(std::string reason)> on_closed;
};

class McpSession : public ServerRequests, public std::enable_shared_from_this<McpSession> {
 public:
  McpSession(boost::asio::any_io_executor strand, std::string server_id,
             std::shared_ptr<Transport> transport);

  // Before start(): who answers the server's elicitation/create, each answer bounded by `timeout` (past it
  // the server gets "cancel"). With a handler the session declares the elicitation capability; without one it
  // declares none and declines what a server asks anyway, so a server never waits for an answer that cannot
  // come.
  void set_elicitation_handler(std::shared_ptr<ElicitationHandler> handler,
                               std::chrono::milliseconds timeout);
  // The capabilities sent in initialize.
  [[nodiscard]] boost::json::object client_capabilities() const;

  // Opens the transport, runs initialize and sends notifications/initialized.
  boost::asio::awaitable<Result<void, Failure>> start(SessionCallbacks callbacks,
                                                      std::chrono::milliseconds timeout);
  boost::asio::awaitable<Result<std::vector<ToolDescription>, Failure>> list_tools(
      std::chrono::milliseconds timeout);
  boost::asio::awaitable<Result<ToolCallResult, Failure>> call_tool(
      std::string name, boost::json::object arguments, std::chrono::milliseconds timeout,
      CancelSignal* cancel, std::shared_ptr<ElicitationHandler> asker = nullptr);
  boost::asio::awaitable<Result<void, Failure>> ping(std::chrono::milliseconds timeout);
  boost::asio::awaitable<void> close();

  [[nodiscard]] bool alive() const { return alive_; }
  [[nodiscard]] const std::string& protocol_version() const { return protocol_version_; }
  [[nodiscard]] std::string transport_kind() const { return transport_->kind(); }
  [[nodiscard]] std::size_t in_flight() const { return peer_->pending_count(); }

  // ServerRequests (called by the peer on the strand).
  [[nodiscard]] bool handles(const std::string& method) const override;
  boost::asio::awaitable<Answer> answer(std::string method, boost::json::object params,
                                        std::optional<std::int64_t> related_request) override;

 private:
  boost::asio::awaitable<Answer> answer_elicitation(boost::json::object params,
                                                    std::optional<std::int64_t> related_request);

  boost::asio::any_io_executor strand_;
  std::string server_id_;
  std::shared_ptr<Transport> transport_;
  std::shared_ptr<RpcPeer> peer_;
  SessionCallbacks callbacks_;
  std::shared_ptr<ElicitationHandler> elicitation_;
  std::chrono::milliseconds elicitation_timeout_{600000};
  CancelSignal ending_;  // fired by close(): pending elicitations end with "cancel"
  std::string protocol_version_;
  bool alive_ = false;
  bool closed_ = false;
};

}  // namespace parley::mcp
