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

// Why a read gave no document. `unavailable`: the store itself could not be asked (the database did not
// answer), which says nothing about the document: it is neither invalid nor absent, and the caller keeps what
// it last read and asks again later.
struct ReadError {
  std::string message;  // empty: no error
  bool unavailable = false;
  [[nodiscard]] bool empty() const { return message.empty(); }
};

// The /health warning of one settings document (invalid, or not readable), replaced as its state changes.
inline std::string document_warning_key(std::string_view name) {
  return "settings document " + std::string(name);
}

class DocumentStore {
 public:
  virtual ~DocumentStore() = default;
  // nullopt with an empty `error`: the document does not exist. nullopt with `error`: it exists but cannot
  // be read, or (error.unavailable) the store could not be reached.
  virtual std::optional<StoredDocument> read(std::string_view name, ReadError& error) = 0;
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

  std::optional<StoredDocument> read(std::string_view name, ReadError& error) override;
  std::error_code write(std::string_view name, const std::string& text) override;
  void set_aside(std::string_view name, const std::string& why, Warnings& warnings) override;
  [[nodiscard]] std::string where(std::string_view name) const override;

 private:
  [[nodiscard]] const std::filesystem::path& path_of(std::string_view name) const;
  std::map<std::string, std::filesystem::path, std::less<>> paths_;
};

}  // namespace parley
