// One turn at a time per session (api.md §3.2 step 1): turns, and the deletes that must wait for them, take
// the session's lock; waiters are parked without blocking a thread. With PostgreSQL the lock also holds
// across replicas (a store::SessionLocks advisory lock, taken after this process's own lock).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/blocking.hpp"
#include "store/session_locks.hpp"

namespace parley::chat {

class SessionTurnLocks {
  using Slot = boost::asio::experimental::concurrent_channel<void(boost::system::error_code)>;
  struct Entry {
    std::shared_ptr<Slot> slot;
    int users = 0;
  };

 public:
  // In-process only (SQLite: one process owns the data).
  SessionTurnLocks() = default;
  // Across replicas too; the advisory lock calls block, so they run on `blocking`.
  SessionTurnLocks(store::SessionLocks* shared, BlockingPool* blocking)
      : shared_(shared), blocking_(blocking) {}

  class Guard {
   public:
    Guard(SessionTurnLocks* owner, std::string session, std::shared_ptr<Slot> slot)
        : owner_(owner), session_(std::move(session)), slot_(std::move(slot)) {}
    Guard(Guard&& o) noexcept
        : owner_(o.owner_),
          session_(std::move(o.session_)),
          slot_(std::move(o.slot_)),
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
      owner_->release(session_, slot_);
    }

   private:
    friend class SessionTurnLocks;
    SessionTurnLocks* owner_;
    std::string session_;
    std::shared_ptr<Slot> slot_;
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
  void release(const std::string& session, const std::shared_ptr<Slot>& slot);

  store::SessionLocks* shared_ = nullptr;
  BlockingPool* blocking_ = nullptr;
  std::mutex mutex_;
  std::map<std::string, Entry> entries_;
};

}  // namespace parley::chat
