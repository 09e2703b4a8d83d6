// §5.6: one replica at a time runs the retention job, by a session-level advisory lock on a connection of its
// own. The first replica takes it; the others wait for it in the database (a blocking pg_advisory_lock sent
// asynchronously, so waiting costs no thread of the server) and the one PostgreSQL hands it to when the
// holder dies or stops is told at once, so the job is never left without a replica to run it.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace parley::store {

class ReaperLock {
 public:
  // `acquired` runs on the lock's thread whenever this replica comes to hold the lock after having waited
  // for it (the first holder at start-up is not told: its start-up run happens anyway).
  ReaperLock(std::string url, std::function<void()> acquired);
  ~ReaperLock();
  ReaperLock(const ReaperLock&) = delete;
  ReaperLock& operator=(const ReaperLock&) = delete;

  void start();
  void stop();
  // Whether this replica holds the lock; the first call waits (up to 5 s) for the first attempt to take it.
  bool held();

 private:
  void run();
  std::string url_;
  std::function<void()> acquired_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> held_{false};
  std::mutex mutex_;
  std::condition_variable first_attempt_;
  bool attempted_ = false;
  std::thread thread_;
};

}  // namespace parley::store
