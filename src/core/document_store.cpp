#include "core/document_store.hpp"

#include <stdexcept>

#include "core/atomic_file.hpp"
#include "core/log.hpp"

namespace parley {

namespace fs = std::filesystem;

namespace {

// A write interrupted by a crash leaves its temporary file (".<name>.tmp-<id>") beside the document.
void remove_interrupted_writes(const fs::path& document) {
  std::error_code ec;
  const auto prefix = "." + document.filename().string() + ".tmp-";
  for (const auto& entry : fs::directory_iterator(document.parent_path(), ec)) {
    if (entry.path().filename().string().starts_with(prefix)) fs::remove(entry.path(), ec);
  }
}

std::optional<SystemTime> modification_time(const fs::path& p) {
  std::error_code ec;
  const auto t = fs::last_write_time(p, ec);
  if (ec) return std::nullopt;
  return std::chrono::time_point_cast<std::chrono::system_clock::duration>(
      std::chrono::file_clock::to_sys(t));
}

}  // namespace

FileDocumentStore::FileDocumentStore(std::map<std::string, fs::path, std::less<>> paths)
    : paths_(std::move(paths)) {
  for (const auto& [name, path] : paths_) remove_interrupted_writes(path);
}

const fs::path& FileDocumentStore::path_of(std::string_view name) const {
  const auto it = paths_.find(name);
  if (it == paths_.end()) throw std::logic_error("no file for settings document " + std::string(name));
  return it->second;
}

std::optional<StoredDocument> FileDocumentStore::read(std::string_view name, ReadError& error) {
  const auto& path = path_of(name);
  std::error_code ec;
  auto text = read_file(path, ec);
  error = {};
  if (!text) {
    std::error_code exists_ec;
    if (fs::exists(path, exists_ec)) error.message = "cannot read it: " + ec.message();
    return std::nullopt;
  }
  return StoredDocument{std::move(*text), modification_time(path)};
}

std::error_code FileDocumentStore::write(std::string_view name, const std::string& text) {
  const auto& path = path_of(name);
  return write_file_atomic(path, text, 0600);
}

void FileDocumentStore::set_aside(std::string_view name, const std::string& why, Warnings& warnings) {
  const auto& path = path_of(name);
  auto backup = path;
  backup += ".corrupt-" + compact_utc(std::chrono::system_clock::now());
  std::error_code ec;
  fs::copy_file(path, backup, fs::copy_options::overwrite_existing, ec);
  const auto message =
      path.string() + " is invalid (" + why + "); " +
      (ec ? "it could not be copied aside (" + ec.message() + ")" : "it was copied to " + backup.string()) +
      " and defaults are used until it is fixed or saved again";
  log::error("{}", message);
  // Keyed by the file, not the document: with PostgreSQL a file set aside at import is not the row's problem.
  warnings.set(path.string(), message);
}

std::string FileDocumentStore::where(std::string_view name) const {
  return path_of(name).string();
}

}  // namespace parley
