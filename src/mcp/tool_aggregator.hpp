// The MCP tools of every configured server behind one interface: one warm session per server shared by all
// chats, the exposed tool list (cached; rebuilt only when a server or a definition changes), tool calls
// routed by qualified name, hot reload that touches only changed servers, and the status of api.md §2.17.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/cancel_signal.hpp"
#include "core/error.hpp"
#include "mcp/definitions_store.hpp"
#include "mcp/elicitation_router.hpp"
#include "mcp/server_runner.hpp"
#include "mcp/transport_factory.hpp"
#include "net/http_client.hpp"

namespace parley::mcp {

struct AggregatorOptions {
  std::chrono::milliseconds tool_timeout{120000};
  std::size_t tool_result_max_bytes = 1048576;
  std::chrono::milliseconds initialize_timeout{30000};
  std::chrono::milliseconds apply_wait{10000};  // how long PUT/PATCH/startup waits for servers to settle
};

// One tool as the chat orchestrator sends it upstream, plus where it is routed.
struct ExposedTool {
  std::string qualified_name;
  std::string server_id;
  std::string tool_name;
  boost::json::object function_tool;  // {"type":"function","function":{"name","description","parameters"}}
  std::string approval = "allow";     // tool_overrides[tool].approval: allow, ask or deny
};

struct ToolCallOutcome {
  bool is_error = false;
  std::string text;            // what the model reads (rendered content, capped, with a note when cut)
  boost::json::array content;  // the server's content items, unchanged
  std::optional<boost::json::value> structured_content;
  bool truncated = false;
};

class ToolAggregator {
 public:
  ToolAggregator(boost::asio::io_context& ioc, AggregatorOptions options, TransportEnvironment environment,
                 DefinitionsStore& store);
  ~ToolAggregator();
  ToolAggregator(const ToolAggregator&) = delete;
  ToolAggregator& operator=(const ToolAggregator&) = delete;

  // Loads the definitions (bootstrapping them) and starts the enabled servers in the background.
  void start();
  // Stops every server and reaps their children. Call before the io_context stops.
  boost::asio::awaitable<void> stop();

  // --- for the chat orchestrator -------------------------------------------------------------------
  // The exposed tools in the provider's function-tool format. Waits up to 10 s after start-up for servers
  // still starting; afterwards it is a copy of a cached list (no round trip to any server).
  boost::asio::awaitable<std::vector<ExposedTool>> exposed_tools();
  // Calls a tool by its qualified name. Failures (unknown tool, server down, timeout, cancel) are results
  // with is_error set and a "Tool error: ..." text, never exceptions.
  // `elicitation`: who answers the server's requests for input during this call (null: they are declined).
  boost::asio::awaitable<ToolCallOutcome> call_tool(
      std::string qualified_name, boost::json::object arguments, CancelSignal* cancel,
      std::shared_ptr<ElicitationHandler> elicitation = nullptr);

  // --- for the API and presets ---------------------------------------------------------------------
  boost::asio::awaitable<boost::json::object> status();
  [[nodiscard]] std::vector<ServerDefinition> definitions() const;
  // Validates, persists and applies a whole new list (PUT, preset apply). 422 errors are values.
  boost::asio::awaitable<Result<boost::json::object>> replace_definitions(
      std::vector<ServerDefinition> servers, bool reject_unknown_modules);
  boost::asio::awaitable<Result<boost::json::object>> patch_definition(std::string server_id,
                                                                       boost::json::value body);
  // The current definitions whose id is not among `servers`, in their order, then `servers`: validated
  // (unknown built-in modules allowed), persisted and applied as one change (preset apply, §2.15).
  boost::asio::awaitable<Result<boost::json::object>> overlay_definitions(
      std::vector<ServerDefinition> servers);
  boost::asio::awaitable<boost::json::object> refresh();
  // Reads the stored definitions again and applies them (another replica changed them, §5.5).
  void reload_definitions();

  // --- for the web authorization of remote servers (OAuth) --------------------------------------------
  struct AuthorizationTarget {
    std::string url;  // of the remote server
    AuthorizationHint hint;
    std::optional<oauth::ClientSettings> client;  // the definition's pre-registered client, if it names one
  };
  // 404 for an unknown id, 422 for a server that is not remote.
  boost::asio::awaitable<Result<AuthorizationTarget>> authorization_target(std::string server_id);
  // Connects the server again now (its tokens were just stored).
  void retry_server(std::string server_id);

  struct Impl;  // public only so the strand-side coroutines in the .cpp can name it

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace parley::mcp
