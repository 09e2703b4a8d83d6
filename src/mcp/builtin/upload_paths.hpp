// The pdf server's file access: resolving a path the model gave so that it stays inside one folder (no
// `..`, no symbolic link out of it), reading a file with a size limit, and listing the uploads folder.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mcp/failure.hpp"

namespace parley::mcp::builtin {

// True when `path` is `root` or below it, comparing whole components (both already canonical).
bool is_within(const std::filesystem::path& root, const std::filesystem::path& path);

// A relative path (to `root`) or an absolute one, "file://" accepted; the result is canonical (symbolic links
// resolved), exists, and lies inside canonical(root). `what` names the folder in messages.
Result<std::filesystem::path, Failure> resolve_inside(const std::filesystem::path& root,
                                                      std::string_view user_path, std::string_view what);

// Reads a regular file of at most max_bytes (the final component must not be a symbolic link).
Result<std::string, Failure> read_file_limited(const std::filesystem::path& path, std::uintmax_t max_bytes);

// Type from the file name extension; application/octet-stream when unknown.
std::string mime_type_for(const std::filesystem::path& path);

struct UploadEntry {
  std::string relative_path;
  std::string absolute_path;
  std::uintmax_t size_bytes = 0;
  std::chrono::system_clock::time_point modified_at;
  bool is_directory = false;
  std::string mime_type;
  std::optional<std::string> attachment_id;  // from "<32 hex>__name" file names
};

struct UploadQuery {
  std::optional<std::string> subdir;         // relative to the root, must stay inside it
  std::optional<std::string> pattern;        // shell glob on the file name or the relative path
  std::optional<std::string> name_contains;  // case-insensitive, on the relative path
  bool include_dirs = false;
  std::size_t max_results = 200;
};

struct UploadListing {
  std::vector<UploadEntry> entries;  // newest first
  std::size_t total_matches = 0;
  bool scan_truncated = false;  // the folder holds more entries than one listing scans
};

// A missing root or subdir gives an empty listing (nothing uploaded yet), not a failure.
Result<UploadListing, Failure> list_uploads(const std::filesystem::path& root, const UploadQuery& query);

// A session id as a single safe folder name: characters other than [A-Za-z0-9._-] become '_'.
std::string safe_path_segment(std::string_view text);

}  // namespace parley::mcp::builtin
