// A preset (api.md §2.15, §4.2): a named snapshot of the model settings, system prompt, MCP server
// definitions and suggestions, typed, with its stored form (the §2.15 object with null members omitted).
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "settings/model_settings.hpp"
#include "settings/suggestion.hpp"

namespace parley::settings {

struct Preset {
  std::string name;
  // model, provider, parameters, supports_tools (its updated_at is not part of a preset).
  ModelSettings model_settings;
  std::optional<std::string> system_prompt;
  // Entries as data/mcp_servers.json stores them (§4.3). Their rules belong to mcp/, which settings/ does not
  // use: they are kept as written and interpreted where they are shown or applied.
  std::optional<boost::json::array> mcp_servers;
  std::optional<std::vector<Suggestion>> suggestions;
  bool is_default = false;
  std::optional<std::chrono::system_clock::time_point> created_at;
  std::optional<std::chrono::system_clock::time_point> updated_at;
};

// A stored entry; nullopt when it has no name or no model (§4.2: such entries are skipped). Model settings
// that break the rules of §2.11 keep only the model; suggestions without a string label and text are dropped.
std::optional<Preset> preset_from_stored(const boost::json::object& entry);
// The stored form: null members omitted, timestamps as "…Z" with microseconds.
boost::json::object stored_preset(const Preset& preset);

}  // namespace parley::settings
