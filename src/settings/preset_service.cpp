#include "settings/preset_service.hpp"
#include "core/text.hpp"

#include <algorithm>
#include <cctype>

namespace parley::settings {

namespace {

using Clock = std::chrono::system_clock;

// Names are compared exactly: "Work" and "work" are two presets.
std::vector<Preset>::iterator find_named(std::vector<Preset>& list, std::string_view name) {
  return std::find_if(list.begin(), list.end(), [&](const Preset& p) { return p.name == name; });
}

Error unknown_preset(const std::string& name) {
  return Error::not_found("Unknown preset: " + name);
}

}  // namespace

PresetService::PresetService(SettingsService& settings, PresetToolServers& tool_servers,
                             BlockingPool& blocking)
    : settings_(settings), tool_servers_(tool_servers), blocking_(blocking) {}

std::vector<Preset> PresetService::list() const {
  auto presets = settings_.presets();
  std::stable_sort(presets.begin(), presets.end(), [](const Preset& a, const Preset& b) {
    return text::lower(a.name) < text::lower(b.name);
  });
  return presets;
}

std::optional<Preset> PresetService::default_preset() const {
  for (auto& p : settings_.presets()) {
    if (p.is_default) return std::move(p);
  }
  return std::nullopt;
}

std::optional<Preset> PresetService::find(std::string_view name) const {
  auto presets = settings_.presets();
  const auto it = find_named(presets, name);
  if (it == presets.end()) return std::nullopt;
  return std::move(*it);
}

boost::asio::awaitable<Result<Preset>> PresetService::create(std::string name) {
  auto entry = settings_.snapshot_preset(name, tool_servers_.stored_definitions());
  entry.created_at = entry.updated_at = Clock::now();
  auto* settings = &settings_;
  auto add = [settings, entry] {
    bool added = false;
    auto ec = settings->modify_presets(
        [&](std::vector<Preset>& list) {
          if (find_named(list, entry.name) != list.end()) return false;
          list.push_back(entry);
          return true;
        },
        &added);
    return std::make_pair(ec, added);
  };
  const auto [ec, added] = co_await blocking_.run(std::move(add));
  if (ec) co_return write_failure(ec);
  if (!added) co_return Error::conflict("Preset already exists: " + name);
  co_return entry;
}

boost::asio::awaitable<Result<Preset>> PresetService::update(std::string name) {
  const auto snapshot = settings_.snapshot_preset(name, tool_servers_.stored_definitions());
  auto* settings = &settings_;
  auto replace = [settings, snapshot] {
    std::optional<Preset> saved;
    auto ec = settings->modify_presets([&](std::vector<Preset>& list) {
      const auto it = find_named(list, snapshot.name);
      if (it == list.end()) return false;
      Preset fresh = snapshot;
      fresh.created_at = it->created_at;
      fresh.is_default = it->is_default;
      fresh.updated_at = Clock::now();
      *it = fresh;
      saved = std::move(fresh);
      return true;
    });
    return std::make_pair(ec, saved);
  };
  auto [ec, saved] = co_await blocking_.run(std::move(replace));
  if (ec) co_return write_failure(ec);
  if (!saved) co_return unknown_preset(name);
  co_return std::move(*saved);
}

boost::asio::awaitable<Result<bool>> PresetService::remove(std::string name) {
  enum class Outcome { unknown, deleted, is_default };
  auto* settings = &settings_;
  auto erase = [settings, name] {
    Outcome outcome = Outcome::unknown;
    auto ec = settings->modify_presets([&](std::vector<Preset>& list) {
      const auto it = find_named(list, name);
      if (it == list.end()) return false;
      if (it->is_default) {
        outcome = Outcome::is_default;
        return false;
      }
      list.erase(it);
      outcome = Outcome::deleted;
      return true;
    });
    return std::make_pair(ec, outcome);
  };
  const auto [ec, outcome] = co_await blocking_.run(std::move(erase));
  if (ec) co_return write_failure(ec);
  if (outcome == Outcome::is_default)
    co_return Error::invalid_request("Cannot delete default preset: " + name);
  // Spelled out: a bool would also convert to the error type.
  co_return Result<bool>(boost::system::in_place_value, outcome == Outcome::deleted);
}

boost::asio::awaitable<Result<Preset>> PresetService::make_default(std::string name) {
  auto* settings = &settings_;
  auto mark = [settings, name] {
    std::optional<Preset> saved;
    auto ec = settings->modify_presets([&](std::vector<Preset>& list) {
      if (find_named(list, name) == list.end()) return false;
      for (auto& p : list) {
        p.is_default = p.name == name;
        if (p.is_default) {
          p.updated_at = Clock::now();
          saved = p;
        }
      }
      return true;
    });
    return std::make_pair(ec, saved);
  };
  auto [ec, saved] = co_await blocking_.run(std::move(mark));
  if (ec) co_return write_failure(ec);
  if (!saved) co_return unknown_preset(name);
  co_return std::move(*saved);
}

boost::asio::awaitable<Result<Preset>> PresetService::apply(std::string name) {
  auto preset = find(name);
  if (!preset) co_return unknown_preset(name);
  // Steps 1, 2 and 4: the model settings (new updated_at, no catalog lookup), the system prompt (null clears
  // it) and the suggestions ([] when the preset has none).
  auto model = preset->model_settings;
  model.updated_at = Clock::now();
  auto* settings = &settings_;
  auto write_documents = [settings, model, prompt = preset->system_prompt,
                          suggestions = preset->suggestions.value_or(std::vector<Suggestion>{})] {
    if (auto ec = settings->replace_model_settings(model)) return ec;
    if (auto ec = settings->set_system_prompt(prompt)) return ec;
    return settings->modify_suggestions([&](std::vector<Suggestion>& list) {
      list = suggestions;
      return true;
    });
  };
  if (auto ec = co_await blocking_.run(std::move(write_documents))) co_return write_failure(ec);
  // Steps 3 and 5: the servers are handed over in every case, so the running ones match what is stored.
  auto applied = co_await tool_servers_.apply(preset->mcp_servers.value_or(boost::json::array{}));
  if (!applied) co_return applied.error();
  co_return std::move(*preset);
}

}  // namespace parley::settings
