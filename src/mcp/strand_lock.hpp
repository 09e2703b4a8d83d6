// A mutual-exclusion lock for coroutines on one strand, held by a scoped guard: whatever leaves the scope
// (a co_return, an exception, the coroutine's destruction) releases it, so no path can keep it forever.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "mcp/strand_event.hpp"

namespace parley::mcp {

class StrandLock {
 public:
  class Guard {
   public:
    explicit Guard(StrandLock* lock) : lock_(lock) {}
    Guard(Guard&& other) noexcept : lock_(other.lock_) { other.lock_ = nullptr; }
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;
    Guard& operator=(Guard&&) = delete;
    ~Guard() {
      if (lock_) lock_->release();
    }

   private:
    StrandLock* lock_;
  };

  // Waits while another coroutine holds the lock; the lock is held until the returned guard is destroyed.
  boost::asio::awaitable<Guard> acquire() {
    while (held_) co_await released_.wait_until();
    held_ = true;
    co_return Guard(this);
  }

 private:
  void release() {
    held_ = false;
    released_.notify_all();
  }

  bool held_ = false;
  StrandEvent released_;
};

}  // namespace parley::mcp
