#include "chat/session_turn_locks.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/log.hpp"
#include "store/repository.hpp"

namespace parley::chat {

namespace asio = boost::asio;

namespace {

asio::awaitable<void> unlock_on_pool(BlockingPool* blocking, store::SessionLocks* shared,
                                     std::string session) {
  auto job = [shared, session] { shared->unlock(session); };
  co_await blocking->run(std::move(job));
}

}  // namespace

asio::awaitable<SessionTurnLocks::Guard> SessionTurnLocks::acquire(std::string session_id) {
  auto ex = co_await asio::this_coro::executor;
  if (!take_or_wait(session_id, nullptr)) {
    // Taken: wait in line until a release hands the session over (under the mutex, so none is missed).
    auto queue = [this, &session_id, &ex](auto handler) {
      Waiter waiter{ex, UniqueHandler<void()>(std::move(handler))};
      if (take_or_wait(session_id, &waiter)) wake(std::move(waiter));
    };
    auto handed_over =
        asio::async_initiate<decltype(asio::use_awaitable), void()>(std::move(queue), asio::use_awaitable);
    co_await std::move(handed_over);
  }
  Guard guard(this, session_id);
  if (shared_) {
    guard.shared_executor_ = ex;
    guard.shared_held_ = co_await take_shared(session_id);
  }
  co_return guard;
}

bool SessionTurnLocks::take_or_wait(const std::string& session, Waiter* waiter) {
  std::lock_guard lock(mutex_);
  auto& e = entries_[session];
  if (!waiter) ++e.users;  // counted once, on the first try
  if (!e.held) {
    e.held = true;
    return true;
  }
  if (waiter) e.waiters.push_back(std::move(*waiter));
  return false;
}

asio::awaitable<bool> SessionTurnLocks::take_shared(std::string session_id) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  auto pause = std::chrono::milliseconds(20);
  const auto started = std::chrono::steady_clock::now();
  bool told = false;
  for (;;) {
    bool taken = false;
    bool unreachable = false;
    try {
      auto job = [shared = shared_, session_id] { return shared->try_lock(session_id); };
      taken = co_await blocking_->run(std::move(job));
    } catch (const store::DatabaseError& e) {
      unreachable = true;
      if (std::chrono::steady_clock::now() - started >= unreachable_limit) {
        log::warn("Turn lock of session {}: the database did not answer for {} s ({}); going on without it",
                  session_id, unreachable_limit.count(), e.what());
        co_return false;
      }
    }
    if (taken) co_return true;
    if (!told && !unreachable) {
      log::info("Session {}: waiting for its turn running on another replica", session_id);
      told = true;
    }
    // A lock held elsewhere is asked for again soon: a turn takes seconds, the question a fraction of a ms.
    timer.expires_after(pause);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    pause = std::min(pause * 2, std::chrono::milliseconds(250));
  }
}

void SessionTurnLocks::release_shared(const asio::any_io_executor& executor, const std::string& session) {
  // Held locks nest on the one connection, so this release may run after the next local turn took the
  // session again: the count stays right whatever the order.
  asio::co_spawn(executor, unlock_on_pool(blocking_, shared_, session), asio::detached);
}

void SessionTurnLocks::release(const std::string& session) {
  Waiter next;
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(session);
    if (it == entries_.end()) return;
    auto& e = it->second;
    if (!e.waiters.empty()) {
      next = std::move(e.waiters.front());  // still held: it passes to the first in line
      e.waiters.erase(e.waiters.begin());
    } else {
      e.held = false;
    }
    if (--e.users == 0) entries_.erase(it);
  }
  if (next.resume) wake(std::move(next));
}

void SessionTurnLocks::wake(Waiter waiter) {
  auto ex = waiter.executor;
  asio::post(ex, [r = std::move(waiter.resume)]() mutable { r(); });
}

}  // namespace parley::chat
