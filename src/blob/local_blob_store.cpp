#include "blob/local_blob_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "blob/local_signing.hpp"
#include "blob/object_key.hpp"
#include "core/atomic_file.hpp"

namespace parley::blob {

namespace fs = std::filesystem;

namespace {

// Reads a regular file without following a symlink at its last component.
Result<std::string, BlobError> read_regular_file(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT || errno == ELOOP || errno == ENOTDIR)
      return BlobError{BlobError::Kind::not_found, "object not found"};
    return BlobError::failed(std::error_code(errno, std::generic_category()).message());
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return BlobError{BlobError::Kind::not_found, "object not found"};
  }
  std::string out;
  out.resize(static_cast<std::size_t>(st.st_size));
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::read(fd, out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  out.resize(done);
  return out;
}

}  // namespace

LocalBlobStore::LocalBlobStore(fs::path root, std::string signing_key, bool public_url_set,
                               BlockingPool& blocking)
    : root_(std::move(root)),
      signing_key_(std::move(signing_key)),
      public_url_set_(public_url_set),
      blocking_(blocking) {}

std::string LocalBlobStore::missing_configuration() const {
  if (signing_key_.empty())
    return "no signing key (set PARLEY_SIGNING_KEY or make data/signing.key writable)";
  return {};
}

std::optional<fs::path> LocalBlobStore::resolve(std::string_view key) const {
  if (!is_relative_object_key(key)) return std::nullopt;
  const fs::path candidate = root_ / fs::path(std::string(key));
  std::error_code ec;
  const auto root = fs::weakly_canonical(root_, ec);
  if (ec) return std::nullopt;
  // Every folder on the way must resolve inside the root (a symlinked folder could lead out).
  const auto parent = fs::weakly_canonical(candidate.parent_path(), ec);
  if (ec) return std::nullopt;
  const auto rel = parent.lexically_relative(root);
  if (rel.empty() || *rel.begin() == "..") return std::nullopt;
  return parent / candidate.filename();
}

boost::asio::awaitable<Result<void, BlobError>> LocalBlobStore::do_put_new(std::string key, std::string bytes,
                                                                           std::string /*content_type*/) {
  auto path = resolve(key);
  if (!path) co_return BlobError::failed("invalid object key");
  const fs::path target = *path;
  auto job = [target, bytes = std::move(bytes)]() -> Result<void, BlobError> {
    auto ec = write_new_file_atomic(target, bytes, 0600);
    // The session folder may have been removed with its last object in between: once more.
    if (ec == std::errc::no_such_file_or_directory) ec = write_new_file_atomic(target, bytes, 0600);
    if (ec == std::errc::file_exists) return BlobError{BlobError::Kind::exists, "object already exists"};
    if (ec) return BlobError::failed("cannot write the file: " + ec.message());
    return {};
  };
  co_return co_await blocking_.run(std::move(job));
}

boost::asio::awaitable<Result<std::string, BlobError>> LocalBlobStore::do_read(std::string key) {
  auto path = resolve(key);
  if (!path) co_return BlobError{BlobError::Kind::not_found, "object not found"};
  const fs::path target = *path;
  auto job = [target] { return read_regular_file(target); };
  co_return co_await blocking_.run(std::move(job));
}

boost::asio::awaitable<Result<void, BlobError>> LocalBlobStore::do_remove(std::string key) {
  auto path = resolve(key);
  if (!path) co_return Result<void, BlobError>{};  // nothing can exist under an invalid key
  const fs::path target = *path;
  const fs::path root = root_;
  auto job = [target, root]() -> Result<void, BlobError> {
    if (::unlink(target.c_str()) != 0 && errno != ENOENT)
      return BlobError::failed(std::error_code(errno, std::generic_category()).message());
    // The session folder goes with its last object (fails harmlessly while others remain).
    if (target.parent_path() != root) ::rmdir(target.parent_path().c_str());
    return {};
  };
  co_return co_await blocking_.run(std::move(job));
}

std::string LocalBlobStore::signed_url(const std::string& key, std::chrono::seconds ttl,
                                       SystemTime now) const {
  if (signing_key_.empty()) return {};
  const auto lifetime = std::min(ttl, max_signed_url_lifetime);
  const auto exp =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch() + lifetime).count();
  return local_signed_path(signing_key_, key, exp);
}

}  // namespace parley::blob
