// The preset rules of api.md §2.15 on typed presets: list, default, find, create and update (snapshots),
// delete, set-default and apply. Presets live in the presets document of the SettingsService
// (data/presets.json or PostgreSQL's settings table); changes are read-modify-writes under its lock, run on
// the blocking pool.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/blocking.hpp"
#include "core/error.hpp"
#include "settings/preset.hpp"
#include "settings/preset_tool_servers.hpp"
#include "settings/settings_service.hpp"

namespace parley::settings {

class PresetService {
 public:
  PresetService(SettingsService& settings, PresetToolServers& tool_servers, BlockingPool& blocking);

  // Sorted by case-insensitive name, ties in stored order.
  [[nodiscard]] std::vector<Preset> list() const;
  // The first preset marked default, in stored order.
  [[nodiscard]] std::optional<Preset> default_preset() const;
  [[nodiscard]] std::optional<Preset> find(std::string_view name) const;

  // A snapshot of the current settings under a new name (not default, created_at = updated_at = now).
  // 409 when the name is taken.
  boost::asio::awaitable<Result<Preset>> create(std::string name);
  // A new snapshot under an existing name, keeping created_at and is_default (updated_at = now). 404 unknown.
  boost::asio::awaitable<Result<Preset>> update(std::string name);
  // Whether a preset was deleted (false: unknown). 400 for the default preset, which stays.
  boost::asio::awaitable<Result<bool>> remove(std::string name);
  // Marks the preset default (updated_at = now) and every other one not. 404 unknown.
  boost::asio::awaitable<Result<Preset>> make_default(std::string name);
  // Model settings, system prompt, MCP servers and suggestions from the preset, in the order of §2.15;
  // returns the stored preset unmodified. 404 unknown.
  boost::asio::awaitable<Result<Preset>> apply(std::string name);

 private:
  SettingsService& settings_;
  PresetToolServers& tool_servers_;
  BlockingPool& blocking_;
};

}  // namespace parley::settings
