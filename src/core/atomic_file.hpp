// Crash-safe file replacement: temp file in the same directory, fsync, rename, fsync the directory (api.md
// §4.0).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace parley {

// Writes `content` to `path` atomically. A new file gets `new_file_mode`; a replaced file keeps its mode.
std::error_code write_file_atomic(const std::filesystem::path& path, std::string_view content,
                                  unsigned new_file_mode = 0600);
// Creates `path` with `content` atomically and never replaces an existing file: a temp file in the same
// directory, fsync, then a hard link to the final name (EEXIST when the name is taken), fsync the directory.
std::error_code write_new_file_atomic(const std::filesystem::path& path, std::string_view content,
                                      unsigned mode = 0600);
// Reads a whole file; nullopt when it does not exist or cannot be read (ec says which).
std::optional<std::string> read_file(const std::filesystem::path& path, std::error_code& ec);

}  // namespace parley
