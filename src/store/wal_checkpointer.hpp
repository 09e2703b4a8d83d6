// Checkpoints of SQLite's write-ahead log on a thread of their own. By default SQLite runs a checkpoint
// inside the commit that takes the log past 1,000 pages: with ~40 pages written per chat turn, every ~25th
// turn waited several milliseconds for it before its first token (bench/notes/latency.md). Commits of
// connections attached here only signal the thread, which runs a PASSIVE checkpoint on a connection of its
// own: it never waits for the writer or the readers. Should the thread fall far behind (a reader holding an
// old snapshot), the committing connection checkpoints itself, as SQLite would, so the log stays bounded.
//
// The thread's connection reads the database before its first checkpoint: a connection that has read nothing
// has not opened the log, and its checkpoints copied nothing (reporting -1 frames), so the log only ever
// started again from its beginning at the writer's fallback of 20 × threshold pages.
#pragma once

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

struct sqlite3;

namespace parley::store {

class WalCheckpointer {
 public:
  explicit WalCheckpointer(std::filesystem::path path, int threshold_pages = 1000);
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // Hands the connection's checkpoints to this object (replaces SQLite's automatic checkpoint). The
  // checkpointer must outlive the connection.
  void attach(sqlite3* db);
  // Checkpoints completed by the thread (for tests and diagnostics).
  [[nodiscard]] long completed() const;

 private:
  static int on_commit(void* self, sqlite3* db, const char* schema, int wal_pages);
  void run();

  std::filesystem::path path_;
  int threshold_pages_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool pending_ = false;
  bool stopping_ = false;
  long completed_ = 0;
  std::thread thread_;
};

}  // namespace parley::store
