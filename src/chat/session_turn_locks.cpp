#include "chat/session_turn_locks.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
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
  std::shared_ptr<Slot> slot;
  {
    std::lock_guard lock(mutex_);
    auto& e = entries_[session_id];
    if (!e.slot) e.slot = std::make_shared<Slot>(ex, 1);
    ++e.users;
    slot = e.slot;
  }
  // The slot holds one token while the session is taken; a second sender waits for room.
  co_await slot->async_send(boost::system::error_code{}, asio::as_tuple(asio::use_awaitable));
  Guard guard(this, session_id, slot);
  if (shared_) {
    guard.shared_executor_ = ex;
    guard.shared_held_ = co_await take_shared(session_id);
  }
  co_return guard;
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

void SessionTurnLocks::release(const std::string& session, const std::shared_ptr<Slot>& slot) {
  slot->try_receive([](boost::system::error_code) {});
  std::lock_guard lock(mutex_);
  auto it = entries_.find(session);
  if (it != entries_.end() && --it->second.users == 0) entries_.erase(it);
}

}  // namespace parley::chat
