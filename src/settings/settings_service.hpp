// The settings documents of api.md §4: model settings with the system prompt (model_settings), presets and
// suggestions, in data/*.json or PostgreSQL's settings table (a DocumentStore). Writes are atomic and
// serialized; a document that cannot be read is kept aside, reported, and treated as absent.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include <boost/json/object.hpp>

#include "core/config.hpp"
#include "core/document_store.hpp"
#include "core/warnings.hpp"
#include "settings/model_settings.hpp"

namespace parley::settings {

struct Suggestion {
  std::string label;
  std::string text;
};

class SettingsService {
 public:
  SettingsService(const Config& config, Warnings& warnings, DocumentStore& documents);

  // Reads the documents (start-up). Problems are logged and added to the warnings.
  void load();
  // Reads one document again after another replica changed it (§5.5); unknown names are ignored.
  void reload(std::string_view name);

  [[nodiscard]] ModelSettings model_settings() const;
  // nullopt: no prompt (cleared); the default applies when none was ever stored.
  [[nodiscard]] std::optional<std::string> system_prompt() const;
  std::error_code replace_model_settings(ModelSettings settings);
  std::error_code set_system_prompt(std::optional<std::string> prompt);
  // Records a capability found in the catalog when supports_tools is null, keeping updated_at.
  void remember_supports_tools(const std::string& model, bool supports);

  [[nodiscard]] std::vector<Suggestion> suggestions() const;
  // The entries of data/presets.json as stored (insertion order, later duplicates replacing earlier ones).
  [[nodiscard]] std::vector<boost::json::object> presets() const;
  // Read-modify-write of the presets document under its lock (entries in the §4.2 file form).
  template <class Fn>
  std::error_code modify_presets(Fn change, bool* changed = nullptr) {
    std::lock_guard lock(mutex_);
    auto list = presets_;
    const bool apply = change(list);
    if (changed) *changed = apply;
    if (!apply) return {};
    auto ec = write_presets(list);
    if (!ec) presets_ = std::move(list);
    return ec;
  }
  // A preset entry (§4.2 file form) capturing the current model settings, system prompt and suggestions plus
  // the given MCP definitions (file form).
  [[nodiscard]] boost::json::object snapshot_preset(const std::string& name,
                                                    boost::json::array mcp_servers) const;
  // Read-modify-write under the document's lock; `change` returns false to leave the document untouched.
  template <class Fn>
  std::error_code modify_suggestions(Fn change, bool* changed = nullptr) {
    std::lock_guard lock(mutex_);
    auto list = suggestions_;
    const bool apply = change(list);
    if (changed) *changed = apply;
    if (!apply) return {};
    auto ec = write_suggestions(list);
    if (!ec) suggestions_ = std::move(list);
    return ec;
  }

 private:
  std::error_code write_model_file(const ModelSettings& s, const std::optional<std::string>& prompt,
                                   bool prompt_stored);
  std::error_code write_suggestions(const std::vector<Suggestion>& list);
  std::error_code write_presets(const std::vector<boost::json::object>& list);
  void load_model_settings();
  void load_presets();
  void load_suggestions();

  const Config& config_;
  Warnings& warnings_;
  DocumentStore& documents_;
  mutable std::mutex mutex_;
  ModelSettings model_;
  std::optional<std::string> prompt_;
  bool prompt_stored_ = false;  // absent from the file: the default prompt applies
  std::vector<Suggestion> suggestions_;
  std::vector<boost::json::object> presets_;
};

std::vector<Suggestion> default_suggestions();

}  // namespace parley::settings
