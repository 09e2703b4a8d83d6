// The lock that says a parley process owns a home's data directory (api.md §4.0): data/.parley.lock, held
// with flock(2) by `parley serve` for its lifetime and by `parley restore` while it swaps the database. The
// kernel releases it when the holder exits, however it exits, so a crash leaves no stale lock: the file stays
// but nobody holds it. The holder writes its pid into the file for messages only.
#pragma once

#include <filesystem>
#include <string>

namespace parley::app {

class HomeLock {
 public:
  enum class State { held_by_us, held_by_other, error };
  explicit HomeLock(const std::filesystem::path& data_dir);
  ~HomeLock();
  HomeLock(const HomeLock&) = delete;
  HomeLock& operator=(const HomeLock&) = delete;

  [[nodiscard]] State state() const { return state_; }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  // The pid the holder wrote ("" when unknown); meaningful with held_by_other.
  [[nodiscard]] std::string holder() const;

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  State state_ = State::error;
};

}  // namespace parley::app
