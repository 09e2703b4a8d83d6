// One turn at a time per session (api.md §3.2 step 1): turns, and the deletes that must wait for them, take
// the session's lock; waiters are parked without blocking a thread.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace parley::chat {

class SessionTurnLocks {
  using Slot = boost::asio::experimental::concurrent_channel<void(boost::system::error_code)>;
  struct Entry {
    std::shared_ptr<Slot> slot;
    int users = 0;
  };

 public:
  class Guard {
   public:
    Guard(SessionTurnLocks* owner, std::string session, std::shared_ptr<Slot> slot)
        : owner_(owner), session_(std::move(session)), slot_(std::move(slot)) {}
    Guard(Guard&& o) noexcept : owner_(o.owner_), session_(std::move(o.session_)), slot_(std::move(o.slot_)) {
      o.owner_ = nullptr;
    }
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;
    Guard& operator=(Guard&&) = delete;
    ~Guard() {
      if (owner_) owner_->release(session_, slot_);
    }

   private:
    SessionTurnLocks* owner_;
    std::string session_;
    std::shared_ptr<Slot> slot_;
  };

  // Waits until no other holder has the session, then holds it until the Guard is destroyed.
  boost::asio::awaitable<Guard> acquire(std::string session_id) {
    std::shared_ptr<Slot> slot;
    {
      auto ex = co_await boost::asio::this_coro::executor;
      std::lock_guard lock(mutex_);
      auto& e = entries_[session_id];
      if (!e.slot) e.slot = std::make_shared<Slot>(ex, 1);
      ++e.users;
      slot = e.slot;
    }
    // The slot holds one token while the session is taken; a second sender waits for room.
    co_await slot->async_send(boost::system::error_code{}, boost::asio::as_tuple(boost::asio::use_awaitable));
    co_return Guard(this, std::move(session_id), slot);
  }

 private:
  void release(const std::string& session, const std::shared_ptr<Slot>& slot) {
    slot->try_receive([](boost::system::error_code) {});
    std::lock_guard lock(mutex_);
    auto it = entries_.find(session);
    if (it != entries_.end() && --it->second.users == 0) entries_.erase(it);
  }

  std::mutex mutex_;
  std::map<std::string, Entry> entries_;
};

}  // namespace parley::chat
