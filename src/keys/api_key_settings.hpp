// What one API key of the OpenAI-compatible API may do (docs/openai-api.md): which models, which MCP servers'
// tools, how much it may spend, and whether its exchanges become parley conversations. Parsed by hand from
// the key's stored JSON and from the create request, with field paths in the errors.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace parley::keys {

struct ApiKeySettings {
  std::vector<std::string> models;                       // empty: every catalog model
  std::optional<std::vector<std::string>> mcp_servers;   // nullopt: every enabled server; empty: no tools
  std::optional<std::int64_t> spending_cap_nanodollars;  // nullopt: no cap
  bool store_history = false;

  [[nodiscard]] bool allows_model(const std::string& model) const;
  [[nodiscard]] bool allows_server(const std::string& server_id) const;
  [[nodiscard]] boost::json::object to_json() const;
};

// A new key's request body: {"name", "models"?, "mcp_servers"?, "spending_cap_usd"?, "store_history"?}.
// Extra keys are forbidden; errors are 422 items located under "body".
struct NewApiKey {
  std::string name;
  ApiKeySettings settings;
};
Result<NewApiKey> parse_new_api_key(const boost::json::value& body);

// The settings as stored (to_json's shape); unknown or malformed members fall back to the defaults, so a
// row written by a later version still authenticates.
ApiKeySettings settings_from_stored(std::string_view json_text);

// USD <-> the integer nanodollars stored (rounded to the nearest).
std::int64_t usd_to_nanodollars(double usd);
double nanodollars_to_usd(std::int64_t nanodollars);

}  // namespace parley::keys
