#include "core/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>

#include "core/ids.hpp"

namespace parley {
namespace {

std::error_code last_error() {
  return {errno, std::generic_category()};
}

// The content in a new temporary file beside `path`, with `mode`, written and fsync'ed; `tmp` names it.
std::error_code write_temp_beside(const std::filesystem::path& path, std::string_view content, mode_t mode,
                                  std::filesystem::path& tmp, bool sync = true) {
  const auto dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  if (auto ec = create_private_directories(dir)) return ec;
  tmp = dir / ("." + path.filename().string() + ".tmp-" + new_uuid_hex().substr(0, 12));
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return last_error();
  if (::fchmod(fd, mode) != 0 || !write_all(fd, content) || (sync && ::fsync(fd) != 0)) {
    const auto err = last_error();
    ::close(fd);
    ::unlink(tmp.c_str());
    return err;
  }
  if (::close(fd) != 0) {
    const auto err = last_error();
    ::unlink(tmp.c_str());
    return err;
  }
  return {};
}

// The directory entry itself is made durable.
void fsync_directory_of(const std::filesystem::path& path) {
  const auto dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

}  // namespace

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = EIO;  // nothing written (not expected of a file): an error rather than a loop
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::error_code write_file_atomic(const std::filesystem::path& path, std::string_view content,
                                  unsigned new_file_mode, Durability durability) {
  const bool sync = durability == Durability::durable;
  mode_t mode = static_cast<mode_t>(new_file_mode);
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) mode = st.st_mode & 07777;
  std::filesystem::path tmp;
  if (auto ec = write_temp_beside(path, content, mode, tmp, sync)) return ec;
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const auto err = last_error();
    ::unlink(tmp.c_str());
    return err;
  }
  if (sync) fsync_directory_of(path);
  return {};
}

std::error_code write_new_file_atomic(const std::filesystem::path& path, std::string_view content,
                                      unsigned mode) {
  std::filesystem::path tmp;
  if (auto ec = write_temp_beside(path, content, static_cast<mode_t>(mode), tmp)) return ec;
  // link() fails with EEXIST instead of replacing: create-only.
  const int linked = ::link(tmp.c_str(), path.c_str());
  const auto link_error = last_error();
  ::unlink(tmp.c_str());
  if (linked != 0) return link_error;
  fsync_directory_of(path);
  return {};
}

std::optional<std::string> read_file(const std::filesystem::path& path, std::error_code& ec) {
  ec.clear();
  // A directory opens as an empty stream on Linux; it is not a readable document.
  if (std::error_code st; std::filesystem::is_directory(path, st)) {
    ec = std::make_error_code(std::errc::is_a_directory);
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ec = std::make_error_code(std::filesystem::exists(path) ? std::errc::permission_denied
                                                            : std::errc::no_such_file_or_directory);
    return std::nullopt;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::error_code create_private_directories(const std::filesystem::path& dir) {
  if (dir.empty()) return {};
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) return {};
  if (dir.has_parent_path() && dir.parent_path() != dir) {
    if (auto parent_ec = create_private_directories(dir.parent_path())) return parent_ec;
  }
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return last_error();
  return {};
}

std::error_code ensure_private_file(const std::filesystem::path& path) {
  if (path.has_parent_path()) {
    if (auto ec = create_private_directories(path.parent_path())) return ec;
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return last_error();
  struct stat st {};
  std::error_code result;
  if (::fstat(fd, &st) != 0) {
    result = last_error();
  } else if ((st.st_mode & 077) != 0 && ::fchmod(fd, 0600) != 0) {
    result = last_error();
  }
  ::close(fd);
  return result;
}

}  // namespace parley
