#include "app/home_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fstream>

#include "core/atomic_file.hpp"

namespace parley::app {

HomeLock::HomeLock(const std::filesystem::path& data_dir) : path_(data_dir / ".parley.lock") {
  if (create_private_directories(data_dir)) return;
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd_ < 0) return;
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd_);
    fd_ = -1;
    state_ = State::held_by_other;
    return;
  }
  state_ = State::held_by_us;
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_, 0) == 0) {
    [[maybe_unused]] const auto written = ::pwrite(fd_, pid.data(), pid.size(), 0);
  }
}

HomeLock::~HomeLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the lock
}

std::string HomeLock::holder() const {
  std::ifstream in(path_);
  std::string pid;
  in >> pid;
  if (pid.empty() || pid.size() > 10 || pid.find_first_not_of("0123456789") != std::string::npos) return {};
  return pid;
}

}  // namespace parley::app
