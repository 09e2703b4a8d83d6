// The tools a chat turn offers the model and runs (api.md §3.6, §7.4). An interface, so the turn is tested
// with scripted tools; AggregatorTools is the MCP tool aggregator behind it.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "core/cancel_signal.hpp"
#include "mcp/tool_aggregator.hpp"

namespace parley::chat {

class TurnTools {
 public:
  virtual ~TurnTools() = default;
  // The tools in the provider's function-tool format, with where each call is routed.
  virtual boost::asio::awaitable<std::vector<mcp::ExposedTool>> exposed_tools() = 0;
  // Failures (unknown tool, server down, timeout, cancel) are outcomes with is_error set, never exceptions.
  virtual boost::asio::awaitable<mcp::ToolCallOutcome> call_tool(std::string qualified_name,
                                                                 boost::json::object arguments,
                                                                 CancelSignal* cancel) = 0;
};

class AggregatorTools final : public TurnTools {
 public:
  explicit AggregatorTools(mcp::ToolAggregator& aggregator) : aggregator_(aggregator) {}
  // Forwarded without a coroutine of their own (no frame per call).
  boost::asio::awaitable<std::vector<mcp::ExposedTool>> exposed_tools() override {
    return aggregator_.exposed_tools();
  }
  boost::asio::awaitable<mcp::ToolCallOutcome> call_tool(std::string qualified_name,
                                                         boost::json::object arguments,
                                                         CancelSignal* cancel) override {
    return aggregator_.call_tool(std::move(qualified_name), std::move(arguments), cancel);
  }

 private:
  mcp::ToolAggregator& aggregator_;
};

}  // namespace parley::chat
