// One configured MCP server kept alive: start, initialize, list tools, restart with back-off (1 s doubling to
// 60 s) after a failure or a lost session, re-list on list_changed, stop. Lives on the aggregator's strand.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mcp/server_definition.hpp"
#include "mcp/session.hpp"
#include "mcp/strand_event.hpp"
#include "mcp/transport_factory.hpp"

namespace parley::mcp {

// needs_authorization: a remote server refused parley and only a person can authorize it (in the browser);
// no retry until then (retry_now()).
enum class ServerState { connecting, connected, disconnected, disabled, failed, needs_authorization };
const char* to_string(ServerState state);

// Why a `module` definition can never start with this binary (an unknown module); nullopt when it may start.
// Such a server is reported once and not restarted: trying again cannot help.
std::optional<std::string> unavailable_builtin(const ServerDefinition& definition);

struct RunnerContext {
  boost::asio::any_io_executor strand;
  net::HttpClient& http;
  const TransportEnvironment& environment;
  std::chrono::milliseconds initialize_timeout{30000};
  std::function<void()> on_change;  // state or tool list changed: rebuild the exposed tools
  // Who answers the servers' elicitation/create (the aggregator's router), each answer bounded by the
  // timeout.
  std::shared_ptr<ElicitationHandler> elicitation;
  std::chrono::milliseconds elicitation_timeout{120000};
};

class ServerRunner : public std::enable_shared_from_this<ServerRunner> {
 public:
  ServerRunner(RunnerContext context, ServerDefinition definition);
  // Leaves the runner's state in parley_mcp_servers / parley_mcp_server_state.
  ~ServerRunner();
  ServerRunner(const ServerRunner&) = delete;
  ServerRunner& operator=(const ServerRunner&) = delete;

  // Starts the keep-alive loop when the definition is enabled; otherwise the state is `disabled`.
  void start();
  // Ends the loop and the session (the child is stopped and reaped).
  boost::asio::awaitable<void> stop();
  // Retries a failed or disconnected server now, resetting its back-off.
  void retry_now();
  // Re-lists the tools of a connected server.
  boost::asio::awaitable<void> refresh_tools();
  boost::asio::awaitable<Result<ToolCallResult, Failure>> call_tool(
      std::string name, boost::json::object arguments, std::chrono::milliseconds timeout,
      CancelSignal* cancel, std::shared_ptr<ElicitationHandler> asker = nullptr);

  // Changes that do not touch the connection (enabled is handled by the aggregator).
  void set_definition(ServerDefinition definition) { definition_ = std::move(definition); }
  // Tools of the last successful listing, carried over from a runner this one replaces.
  void inherit_tools(std::vector<ToolDescription> tools) { tools_ = std::move(tools); }

  [[nodiscard]] const ServerDefinition& definition() const { return definition_; }
  [[nodiscard]] ServerState state() const { return state_; }
  [[nodiscard]] const std::optional<std::string>& last_error() const { return last_error_; }
  [[nodiscard]] const std::vector<ToolDescription>& tools() const { return tools_; }
  [[nodiscard]] std::string transport_kind() const;
  // Where the server said to authorize, from its last refusal.
  [[nodiscard]] AuthorizationHint authorization_hint() const;
  // True once the first start attempt finished (connected or failed), or the server is disabled.
  [[nodiscard]] bool settled() const { return state_ != ServerState::connecting; }

 private:
  static boost::asio::awaitable<void> keep_alive(std::shared_ptr<ServerRunner> self);
  static boost::asio::awaitable<void> relist(std::shared_ptr<ServerRunner> self);
  boost::asio::awaitable<Result<void, Failure>> connect_once();
  void set_state(ServerState state, std::optional<std::string> error);
  // Every state change passes here: it moves the runner between the state gauges.
  void enter(ServerState state);

  RunnerContext context_;
  ServerDefinition definition_;
  ServerState state_;
  std::optional<std::string> last_error_;
  std::vector<ToolDescription> tools_;
  std::string transport_kind_;
  std::shared_ptr<McpSession> session_;
  std::shared_ptr<HttpAuthorizer> authorizer_;  // of the last connection of a url server
  boost::asio::steady_timer wake_;
  bool stopped_ = false;
  bool session_lost_ = false;
  bool retry_requested_ = false;
  bool reconnect_now_ = false;  // the server forgot the session: start a new one without backing off
  std::chrono::milliseconds backoff_{1000};
  StrandEvent state_changed_;  // notified on every state change (callers waiting for a new session)
};

}  // namespace parley::mcp
