// The MCP server definitions as presets see them (api.md §2.15 snapshot and apply). settings/ may not use
// mcp/, so the app adapts the running tool aggregator to this interface (src/app/preset_tool_servers.hpp).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/array.hpp>

#include "core/error.hpp"

namespace parley::settings {

class PresetToolServers {
 public:
  virtual ~PresetToolServers() = default;
  // The configured definitions in their stored form (§4.3 entries), captured by a snapshot.
  [[nodiscard]] virtual boost::json::array stored_definitions() const = 0;
  // Apply steps 3 and 5: the current definitions whose id is not among `preset_servers` (stored form;
  // entries that are not valid definitions are skipped), then those, persisted and handed to the running
  // servers, answering once they settled (§2.17's 10-second wait).
  virtual boost::asio::awaitable<Result<void>> apply(boost::json::array preset_servers) = 0;
};

}  // namespace parley::settings
