// Connects the preset service to the running MCP tool aggregator: snapshots read its definitions, applying a
// preset overlays the preset's servers on them (api.md §2.15 steps 3 and 5).
#pragma once

#include "mcp/server_definition.hpp"
#include "mcp/tool_aggregator.hpp"
#include "settings/preset_tool_servers.hpp"

namespace parley::app {

class AggregatorPresetServers final : public settings::PresetToolServers {
 public:
  explicit AggregatorPresetServers(mcp::ToolAggregator& tools) : tools_(tools) {}

  [[nodiscard]] boost::json::array stored_definitions() const override {
    boost::json::array out;
    for (const auto& d : tools_.definitions()) out.push_back(mcp::definition_to_file_json(d));
    return out;
  }

  boost::asio::awaitable<Result<void>> apply(boost::json::array preset_servers) override {
    std::vector<mcp::ServerDefinition> servers;
    for (const auto& entry : preset_servers) {
      ValidationErrors ignored;  // a hand-edited entry that is no definition is skipped, as on display
      if (auto def = mcp::parse_definition(entry, loc({"preset"}), ignored))
        servers.push_back(std::move(*def));
    }
    auto applied = co_await tools_.overlay_definitions(std::move(servers));
    if (!applied) co_return applied.error();
    co_return Result<void>();
  }

 private:
  mcp::ToolAggregator& tools_;
};

}  // namespace parley::app
