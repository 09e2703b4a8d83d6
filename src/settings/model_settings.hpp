// The model settings document (api.md §2.10, §2.11, §4.1): typed, validated with 422 field paths, serialized
// with every key for the API and with nulls omitted for data/model_settings.json.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <optional>
#include <string>

#include "core/error.hpp"

namespace parley::settings {

struct ModelSettings {
  std::string model;
  std::optional<boost::json::object> provider;    // the 11 keys, nulls kept
  std::optional<boost::json::object> parameters;  // the 20 keys, nulls kept
  std::optional<bool> supports_tools;
  std::chrono::system_clock::time_point updated_at;
};

// Parses a PUT body (extra keys forbidden at every level). `loc` prefixes the error paths.
Result<ModelSettings> parse_model_settings(const boost::json::value& body);
// The §2.10 response: every key present, provider/parameters with all their keys once they are objects.
boost::json::object model_settings_json(const ModelSettings& s);
// The §4.1 file members (nulls omitted at every level), without system_prompt.
boost::json::object model_settings_file_members(const ModelSettings& s);

}  // namespace parley::settings
