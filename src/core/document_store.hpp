// Where the settings documents live (api.md §4, §5.5): files under data/ by default, the `settings` table
// when the history is in PostgreSQL. Documents are named model_settings, presets, suggestions, mcp_servers.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "core/clock.hpp"
#include "core/warnings.hpp"

namespace parley {

struct StoredDocument {
  std::string text;                      // the JSON document
  std::optional<SystemTime> updated_at;  // when it was last written, when known
};

class DocumentStore {
 public:
  virtual ~DocumentStore() = default;
  // nullopt with an empty `error`: the document does not exist. nullopt with `error`: it exists but cannot
  // be read.
  virtual std::optional<StoredDocument> read(std::string_view name, std::string& error) = 0;
  // Replaces the whole document; atomic (a reader sees the old or the new text, never a mix).
  virtual std::error_code write(std::string_view name, const std::string& text) = 0;
  // An invalid document is kept aside for the user to repair (a *.corrupt-<time> copy of a file) and
  // reported; `why` says what is wrong with it.
  virtual void set_aside(std::string_view name, const std::string& why, Warnings& warnings) = 0;
  // For messages: the file path, or the table row.
  [[nodiscard]] virtual std::string where(std::string_view name) const = 0;
};

// data/*.json, written atomically (temp file, fsync, rename). Temporary files left by a write that a crash
// interrupted are removed when the store is created.
class FileDocumentStore final : public DocumentStore {
 public:
  explicit FileDocumentStore(std::map<std::string, std::filesystem::path, std::less<>> paths);

  std::optional<StoredDocument> read(std::string_view name, std::string& error) override;
  std::error_code write(std::string_view name, const std::string& text) override;
  void set_aside(std::string_view name, const std::string& why, Warnings& warnings) override;
  [[nodiscard]] std::string where(std::string_view name) const override;

 private:
  [[nodiscard]] const std::filesystem::path& path_of(std::string_view name) const;
  std::map<std::string, std::filesystem::path, std::less<>> paths_;
};

}  // namespace parley
