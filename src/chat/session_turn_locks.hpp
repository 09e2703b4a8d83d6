// One turn at a time per session (api.md §3.2 step 1): turns, and the deletes that must wait for them, take
// the session's lock; waiters are parked without blocking a thread. With PostgreSQL the lock also holds
// across replicas (a store::SessionLocks advisory lock, taken after this process's own lock).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/blocking.hpp"
#include "core/unique_handler.hpp"
#include "store/session_locks.hpp"

namespace parley::chat {

class SessionTurnLocks {
  // A session that is held, and who waits for it (in order). Nothing but the map node while nobody waits:
  // every open chat stream holds its session (P3: a channel per session cost ~0.9 KB per stream).
  struct Waiter {
    boost::asio::any_io_executor executor;  // the waiting coroutine's
    UniqueHandler<void()> resume;           // the waiting coroutine's completion handler
  };
  struct Entry {
    bool held = false;
    int users = 0;
    std::vector<Waiter> waiters;
  };

 public:
  // In-process only (SQLite: one process owns the data).
  SessionTurnLocks() = default;
  // Across replicas too; the advisory lock calls block, so they run on `blocking`.
  SessionTurnLocks(store::SessionLocks* shared, BlockingPool* blocking)
      : shared_(shared), blocking_(blocking) {}

  class Guard {
   public:
    Guard(SessionTurnLocks* owner, std::string session) : owner_(owner), session_(std::move(session)) {}
    Guard(Guard&& o) noexcept
        : owner_(o.owner_),
          session_(std::move(o.session_)),
          shared_executor_(std::move(o.shared_executor_)),
          shared_held_(o.shared_held_) {
      o.owner_ = nullptr;
      o.shared_held_ = false;
    }
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;
    Guard& operator=(Guard&&) = delete;
    ~Guard() {
      if (!owner_) return;
      if (shared_held_) owner_->release_shared(shared_executor_, session_);
      owner_->release(session_);
    }

   private:
    friend class SessionTurnLocks;
    SessionTurnLocks* owner_;
    std::string session_;
    boost::asio::any_io_executor shared_executor_;
    bool shared_held_ = false;
  };

  // Waits until no other holder (in this process or, with PostgreSQL, on another replica) has the session,
  // then holds it until the Guard is destroyed.
  boost::asio::awaitable<Guard> acquire(std::string session_id);

  // How long a turn waits for a database that does not answer before it goes on with this process's lock
  // only (the turn then fails on its own writes or succeeds once the database is back).
  static constexpr std::chrono::seconds unreachable_limit{15};

 private:
  boost::asio::awaitable<bool> take_shared(std::string session_id);
  void release_shared(const boost::asio::any_io_executor& executor, const std::string& session);
  // Hands the session to its first waiter, if any.
  void release(const std::string& session);
  // Takes the session when it is free (true); otherwise queues `waiter`, which runs once the session is
  // handed to it.
  bool take_or_wait(const std::string& session, Waiter* waiter);
  // Resumes a waiter on its own executor.
  static void wake(Waiter waiter);

  store::SessionLocks* shared_ = nullptr;
  BlockingPool* blocking_ = nullptr;
  std::mutex mutex_;
  std::map<std::string, Entry> entries_;
};

}  // namespace parley::chat
