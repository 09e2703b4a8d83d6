// The aggregator's apply lock and wake-up event: a scoped guard that no exit path can leak, and waits that
// end on a notification or a deadline instead of polling.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "mcp/strand_event.hpp"
#include "mcp/strand_lock.hpp"

using namespace parley::mcp;
namespace asio = boost::asio;

namespace {

asio::awaitable<void> hold_and_throw(StrandLock* lock, std::vector<std::string>* log) {
  const auto guard = co_await lock->acquire();
  log->push_back("first holds");
  throw std::runtime_error("a bug between lock and unlock");
}

asio::awaitable<void> take_after(StrandLock* lock, std::vector<std::string>* log) {
  const auto guard = co_await lock->acquire();
  log->push_back("second holds");
}

asio::awaitable<void> hold_across_a_wait(StrandLock* lock, StrandEvent* step, std::vector<std::string>* log,
                                         std::string name) {
  const auto guard = co_await lock->acquire();
  log->push_back(name + " in");
  co_await step->wait_until();
  log->push_back(name + " out");
}

asio::awaitable<void> wait_for_event(StrandEvent* event, StrandEvent::Clock::time_point deadline,
                                     bool* woke) {
  co_await event->wait_until(deadline);
  *woke = true;
}

TEST(StrandLock, AThrowWhileHoldingItReleasesIt) {
  asio::io_context io;
  StrandLock lock;
  std::vector<std::string> log;
  bool threw = false;
  asio::co_spawn(io, hold_and_throw(&lock, &log), [&](std::exception_ptr e) { threw = e != nullptr; });
  asio::co_spawn(io, take_after(&lock, &log), asio::detached);
  io.run();
  EXPECT_TRUE(threw);
  EXPECT_EQ(log, (std::vector<std::string>{"first holds", "second holds"}));
}

TEST(StrandLock, HoldersRunOneAtATime) {
  asio::io_context io;
  StrandLock lock;
  StrandEvent step;
  std::vector<std::string> log;
  asio::co_spawn(io, hold_across_a_wait(&lock, &step, &log, "a"), asio::detached);
  asio::co_spawn(io, hold_across_a_wait(&lock, &step, &log, "b"), asio::detached);
  // Both coroutines started: "a" holds the lock and waits for the step, "b" waits for the lock.
  io.poll();
  EXPECT_EQ(log, (std::vector<std::string>{"a in"}));
  step.notify_all();
  io.poll();
  EXPECT_EQ(log, (std::vector<std::string>{"a in", "a out", "b in"}));
  step.notify_all();
  io.run();
  EXPECT_EQ(log, (std::vector<std::string>{"a in", "a out", "b in", "b out"}));
}

TEST(StrandEvent, ANotificationWakesEveryWaiter) {
  asio::io_context io;
  StrandEvent event;
  bool first = false, second = false;
  asio::co_spawn(io, wait_for_event(&event, StrandEvent::Clock::time_point::max(), &first), asio::detached);
  asio::co_spawn(io, wait_for_event(&event, StrandEvent::Clock::time_point::max(), &second), asio::detached);
  io.poll();
  EXPECT_FALSE(first || second);
  event.notify_all();
  io.run();
  EXPECT_TRUE(first && second);
}

TEST(StrandEvent, AWaitEndsAtItsDeadlineWithoutANotification) {
  asio::io_context io;
  StrandEvent event;
  bool woke = false;
  const auto start = StrandEvent::Clock::now();
  asio::co_spawn(io, wait_for_event(&event, start + std::chrono::milliseconds(30), &woke), asio::detached);
  io.run();
  EXPECT_TRUE(woke);
  EXPECT_GE(StrandEvent::Clock::now() - start, std::chrono::milliseconds(30));
}

}  // namespace
