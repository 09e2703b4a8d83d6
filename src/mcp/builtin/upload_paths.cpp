#include "mcp/builtin/upload_paths.hpp"
#include "core/text.hpp"

#include <fcntl.h>
#include <fnmatch.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <map>

namespace parley::mcp::builtin {

namespace fs = std::filesystem;

bool is_within(const fs::path& root, const fs::path& path) {
  auto r = root.begin();
  auto p = path.begin();
  for (; r != root.end(); ++r, ++p) {
    if (r->empty()) continue;  // a trailing separator of the root
    if (p == path.end() || *r != *p) return false;
  }
  return true;
}

Result<fs::path, Failure> resolve_inside(const fs::path& root, std::string_view user_path,
                                         std::string_view what) {
  std::string text(user_path);
  if (text.rfind("file://", 0) == 0) text.erase(0, 7);
  if (text.empty()) return fail("The file path is empty.");
  if (text.find('\0') != std::string::npos) return fail("The file path contains a NUL character.");
  std::error_code ec;
  const auto canonical_root = fs::canonical(root, ec);
  if (ec) return fail("The " + std::string(what) + " " + root.string() + " does not exist.");
  const fs::path given(text);
  const auto absolute_root = fs::absolute(root, ec).lexically_normal();
  const fs::path candidate =
      given.is_absolute() ? given.lexically_normal() : (canonical_root / given).lexically_normal();
  // Lexically first: "../x" or "/etc/passwd" never touches the file system beyond this check.
  if (!is_within(canonical_root, candidate) && !is_within(absolute_root, candidate)) {
    return fail("Access denied: '" + text + "' is outside the " + std::string(what) + ".");
  }
  const auto resolved = fs::canonical(candidate, ec);
  if (ec) return fail("No such file: '" + text + "' (paths are relative to the " + std::string(what) + ").");
  if (!is_within(canonical_root, resolved)) {
    return fail("Access denied: '" + text + "' leads outside the " + std::string(what) +
                " through a symbolic link.");
  }
  return resolved;
}

Result<std::string, Failure> read_file_limited(const fs::path& path, std::uintmax_t max_bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return fail("Cannot open '" + path.filename().string() + "'.");
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return fail("'" + path.filename().string() + "' is not a regular file.");
  }
  const auto size = static_cast<std::uintmax_t>(st.st_size);
  if (size > max_bytes) {
    ::close(fd);
    return fail("'" + path.filename().string() + "' is " + std::to_string(size) + " bytes; files over " +
                std::to_string(max_bytes) + " bytes are not extracted.");
  }
  std::string bytes;
  bytes.resize(static_cast<std::size_t>(size));
  std::size_t got = 0;
  while (got < bytes.size()) {
    const auto n = ::read(fd, bytes.data() + got, bytes.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  bytes.resize(got);  // the file shrank while reading: what was there
  return bytes;
}

std::string mime_type_for(const fs::path& path) {
  static const std::map<std::string, std::string> types = {
      {".pdf", "application/pdf"},
      {".txt", "text/plain"},
      {".md", "text/markdown"},
      {".csv", "text/csv"},
      {".json", "application/json"},
      {".html", "text/html"},
      {".htm", "text/html"},
      {".xml", "application/xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".webp", "image/webp"},
      {".svg", "image/svg+xml"},
      {".log", "text/plain"},
      {".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
      {".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
      {".zip", "application/zip"},
      {".mp3", "audio/mpeg"},
      {".wav", "audio/wav"}};
  const std::string ext = text::lower(path.extension().string());
  const auto it = types.find(ext);
  return it == types.end() ? "application/octet-stream" : it->second;
}

std::string safe_path_segment(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '-';
    out += ok ? c : '_';
  }
  return out;
}

namespace {

std::optional<std::string> attachment_id_of(const std::string& file_name) {
  const auto sep = file_name.find("__");
  if (sep != 32) return std::nullopt;
  for (std::size_t i = 0; i < 32; ++i) {
    if (!std::isxdigit(static_cast<unsigned char>(file_name[i]))) return std::nullopt;
  }
  return file_name.substr(0, 32);
}

constexpr std::size_t max_scanned_entries = 50000;

}  // namespace

Result<UploadListing, Failure> list_uploads(const fs::path& root, const UploadQuery& query) {
  UploadListing listing;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return listing;
  const auto canonical_root = fs::canonical(root, ec);
  if (ec) return listing;
  fs::path start = canonical_root;
  if (query.subdir && !query.subdir->empty()) {
    auto resolved = resolve_inside(canonical_root, *query.subdir, "uploads folder");
    if (!resolved) {
      if (resolved.error().message.rfind("No such file", 0) == 0) return listing;
      return resolved.error();
    }
    start = resolved.value();
    if (!fs::is_directory(start, ec)) return fail("'" + *query.subdir + "' is not a folder.");
  }
  const auto needle = query.name_contains ? text::lower(*query.name_contains) : std::string();
  std::vector<UploadEntry> matches;
  std::size_t scanned = 0;
  fs::recursive_directory_iterator it(start, fs::directory_options::skip_permission_denied, ec);
  for (const fs::recursive_directory_iterator end; !ec && it != end; it.increment(ec)) {
    if (++scanned > max_scanned_entries) {
      listing.scan_truncated = true;
      break;
    }
    const auto& entry = *it;
    std::error_code entry_ec;
    if (entry.is_symlink(entry_ec)) continue;  // never followed, never listed
    const bool is_dir = entry.is_directory(entry_ec);
    if (is_dir && !query.include_dirs) continue;
    if (!is_dir && !entry.is_regular_file(entry_ec)) continue;
    const auto relative = entry.path().lexically_relative(canonical_root).string();
    const auto name = entry.path().filename().string();
    if (query.pattern && !query.pattern->empty() && fnmatch(query.pattern->c_str(), name.c_str(), 0) != 0 &&
        fnmatch(query.pattern->c_str(), relative.c_str(), 0) != 0) {
      continue;
    }
    if (!needle.empty() && text::lower(relative).find(needle) == std::string::npos) continue;
    UploadEntry e;
    e.relative_path = relative;
    e.absolute_path = entry.path().string();
    e.is_directory = is_dir;
    e.size_bytes = is_dir ? 0 : entry.file_size(entry_ec);
    const auto mtime = entry.last_write_time(entry_ec);
    e.modified_at = std::chrono::time_point_cast<std::chrono::system_clock::duration>(
        std::chrono::file_clock::to_sys(mtime));
    e.mime_type = is_dir ? "inode/directory" : mime_type_for(entry.path());
    e.attachment_id = attachment_id_of(name);
    matches.push_back(std::move(e));
  }
  std::sort(matches.begin(), matches.end(), [](const UploadEntry& a, const UploadEntry& b) {
    if (a.modified_at != b.modified_at) return a.modified_at > b.modified_at;
    return a.relative_path < b.relative_path;
  });
  listing.total_matches = matches.size();
  if (matches.size() > query.max_results) matches.resize(query.max_results);
  listing.entries = std::move(matches);
  return listing;
}

}  // namespace parley::mcp::builtin
