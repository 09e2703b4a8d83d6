// A wake-up call for coroutines on one strand: they wait until notify_all() or a deadline, instead of polling
// state on a timer. Strand-only, like the state it signals, so it needs no lock.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <set>

namespace parley::mcp {

class StrandEvent {
 public:
  using Clock = std::chrono::steady_clock;

  // Returns after the next notify_all() or at `deadline`, whichever comes first. Callers re-check their
  // condition afterwards: a notification says "something changed", not what.
  boost::asio::awaitable<void> wait_until(Clock::time_point deadline = Clock::time_point::max()) {
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, deadline);
    // Registered for as long as the wait lasts, even when the coroutine is destroyed while suspended.
    Registration registration(waiters_, &timer);
    co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
  }

  void notify_all() {
    for (auto* timer : waiters_) timer->cancel();
  }

 private:
  struct Registration {
    Registration(std::set<boost::asio::steady_timer*>& set, boost::asio::steady_timer* timer)
        : set_(set), timer_(timer) {
      set_.insert(timer_);
    }
    ~Registration() { set_.erase(timer_); }
    Registration(const Registration&) = delete;
    Registration& operator=(const Registration&) = delete;

    std::set<boost::asio::steady_timer*>& set_;
    boost::asio::steady_timer* timer_;
  };

  std::set<boost::asio::steady_timer*> waiters_;
};

}  // namespace parley::mcp
