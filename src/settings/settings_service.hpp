// The settings documents of api.md §4: model settings with the system prompt (model_settings), presets and
// suggestions, in data/*.json or PostgreSQL's settings table (a DocumentStore). Writes are atomic and
// serialized; an invalid document is kept aside, reported, and treated as absent. A read that fails (the
// database did not answer) is no document at all: the last good copy is served, and nothing is written over
// a document until it has been read again.
#pragma once

#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/json/array.hpp>
#include <cstdint>

#include "core/blocking.hpp"
#include "core/config.hpp"
#include "core/document_store.hpp"
#include "core/error.hpp"
#include "core/warnings.hpp"
#include "settings/model_settings.hpp"
#include "settings/preset.hpp"
#include "settings/suggestion.hpp"

namespace parley::settings {

// A document that could not be written: the 500 the routes answer (its reason is shown).
Error write_failure(const std::error_code& ec);

class SettingsService {
 public:
  // Documents are read and written on `blocking` by the awaitable operations below; the plain ones block.
  SettingsService(const Config& config, Warnings& warnings, DocumentStore& documents, BlockingPool& blocking);

  // Reads the documents (start-up). Problems are logged and added to the warnings. False when one of them
  // could not be read (then retry with reload_unread()).
  bool load();
  // Reads one document again after another replica changed it (§5.5); unknown names are ignored. False when
  // it could not be read: its last good copy stays in use.
  bool reload(std::string_view name);
  // Reads every document whose last read failed; true when none is left unread.
  bool reload_unread();

  [[nodiscard]] ModelSettings model_settings() const;
  // nullopt: no prompt (cleared); the default applies when none was ever stored.
  [[nodiscard]] std::optional<std::string> system_prompt() const;
  std::error_code replace_model_settings(ModelSettings settings);
  std::error_code set_system_prompt(std::optional<std::string> prompt);
  // Records a capability found in the catalog when supports_tools is null, keeping updated_at.
  void remember_supports_tools(const std::string& model, bool supports);

  [[nodiscard]] std::vector<Suggestion> suggestions() const;

  // --- for the settings routes (§2.11, §2.14, §2.16): awaitables, failures to write are 500s ------------
  // Replaces the model settings document (no catalog lookup here); returns what was stored.
  boost::asio::awaitable<Result<ModelSettings>> save_model_settings(ModelSettings settings);
  // Trims the prompt (an empty one is null: no prompt) and stores it; returns the prompt now in effect.
  boost::asio::awaitable<Result<std::optional<std::string>>> save_system_prompt(
      std::optional<std::string> prompt);
  // Each returns the whole list after the change.
  boost::asio::awaitable<Result<std::vector<Suggestion>>> add_suggestion(Suggestion suggestion);
  // nullopt when there is no suggestion at `index` (negative included): nothing changed.
  boost::asio::awaitable<Result<std::optional<std::vector<Suggestion>>>> remove_suggestion(
      std::int64_t index);
  boost::asio::awaitable<Result<std::vector<Suggestion>>> replace_suggestions(std::vector<Suggestion> list);

  // The presets of data/presets.json as stored (insertion order, later duplicates replacing earlier ones).
  [[nodiscard]] std::vector<Preset> presets() const;
  // Read-modify-write of the presets document under its lock; `change` returns false to leave it untouched.
  template <class Fn>
  std::error_code modify_presets(Fn change, bool* changed = nullptr) {
    std::lock_guard lock(mutex_);
    if (auto ec = read_before_write("presets")) return ec;
    auto list = presets_;
    const bool apply = change(list);
    if (changed) *changed = apply;
    if (!apply) return {};
    auto ec = write_presets(list);
    if (!ec) presets_ = std::move(list);
    return ec;
  }
  // A preset named `name` capturing the current model settings, system prompt and suggestions (none when
  // the list is empty) plus the given MCP definitions; not default, no timestamps yet.
  [[nodiscard]] Preset snapshot_preset(const std::string& name, boost::json::array mcp_servers) const;
  // Read-modify-write under the document's lock; `change` returns false to leave the document untouched.
  template <class Fn>
  std::error_code modify_suggestions(Fn change, bool* changed = nullptr) {
    std::lock_guard lock(mutex_);
    if (auto ec = read_before_write("suggestions")) return ec;
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
  std::error_code write_presets(const std::vector<Preset>& list);
  // Each returns false when the document could not be read (the current values are then kept).
  bool load_model_settings();
  bool load_presets();
  bool load_suggestions();
  bool load_document(std::string_view name);
  // Under mutex_: a document whose last read failed is read again before it is written over; an error when
  // it still cannot be read.
  std::error_code read_before_write(std::string_view name);

  const Config& config_;
  Warnings& warnings_;
  DocumentStore& documents_;
  BlockingPool& blocking_;
  mutable std::mutex mutex_;
  ModelSettings model_;
  std::optional<std::string> prompt_;
  bool prompt_stored_ = false;  // absent from the file: the default prompt applies
  std::vector<Suggestion> suggestions_;
  std::vector<Preset> presets_;
  std::set<std::string, std::less<>> unread_;  // documents whose last read failed
};

}  // namespace parley::settings
