// Crash-safe file replacement: temp file in the same directory, fsync, rename, fsync the directory (api.md
// §4.0).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace parley {

// Whether a write survives a crash of the machine (fsync of the file and of its directory) or only is
// all-or-nothing for readers (rename, no fsync): logs need the second, and the fsyncs were most of the cost
// of the conversation snapshot written after every turn (P1).
enum class Durability { durable, readers_only };

// Writes `content` to `path` atomically. A new file gets `new_file_mode`; a replaced file keeps its mode.
std::error_code write_file_atomic(const std::filesystem::path& path, std::string_view content,
                                  unsigned new_file_mode = 0600, Durability durability = Durability::durable);
// Creates `path` with `content` atomically and never replaces an existing file: a temp file in the same
// directory, fsync, then a hard link to the final name (EEXIST when the name is taken), fsync the directory.
std::error_code write_new_file_atomic(const std::filesystem::path& path, std::string_view content,
                                      unsigned mode = 0600);
// Everything parley creates is private to its user (files 0600, directories 0700), without changing the
// process umask that MCP servers inherit.
// Creates `dir` and its missing parents with mode 0700; existing directories are left as they are.
std::error_code create_private_directories(const std::filesystem::path& dir);
// Creates `path` empty with mode 0600 when it does not exist; an existing file readable by group or others
// is made 0600 (files of earlier versions). Missing parents are created with create_private_directories.
std::error_code ensure_private_file(const std::filesystem::path& path);
// Writes all of `data` to `fd` (retrying short writes and EINTR); false with errno set when it cannot.
bool write_all(int fd, std::string_view data);
// Reads a whole file; nullopt when it does not exist or cannot be read (ec says which).
std::optional<std::string> read_file(const std::filesystem::path& path, std::error_code& ec);

}  // namespace parley
