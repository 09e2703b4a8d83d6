// SessionTurnLocks (in-process): one holder per session, waiters served in the order they came, other
// sessions never wait, and a session nobody holds or waits for leaves nothing behind. (Since the lock has no
// channel per session, P3 of issue 22.)
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "chat/session_turn_locks.hpp"

namespace {

namespace asio = boost::asio;
using parley::chat::SessionTurnLocks;

// Takes the session, notes its name, holds it for a moment of the io_context, then lets go.
asio::awaitable<void> take(SessionTurnLocks* locks, std::string session, std::string name,
                           std::vector<std::string>* order, int* holders, int* most) {
  auto guard = co_await locks->acquire(std::move(session));
  order->push_back(name);
  *most = std::max(*most, ++*holders);
  asio::steady_timer pause(co_await asio::this_coro::executor);
  pause.expires_after(std::chrono::milliseconds(5));
  co_await pause.async_wait(asio::use_awaitable);
  --*holders;
}

TEST(SessionTurnLocks, OneHolderAtATimeAndWaitersInTheOrderTheyCame) {
  asio::io_context io;
  SessionTurnLocks locks;
  std::vector<std::string> order;
  int holders = 0, most = 0;
  for (const char* name : {"first", "second", "third", "fourth"})
    asio::co_spawn(io, take(&locks, "s1", name, &order, &holders, &most), asio::detached);
  io.run();
  EXPECT_EQ(order, (std::vector<std::string>{"first", "second", "third", "fourth"}));
  EXPECT_EQ(most, 1);
  EXPECT_EQ(holders, 0);
}

TEST(SessionTurnLocks, OtherSessionsDoNotWait) {
  asio::io_context io;
  SessionTurnLocks locks;
  std::vector<std::string> order;
  int holders = 0, most = 0;
  asio::co_spawn(io, take(&locks, "a", "a", &order, &holders, &most), asio::detached);
  asio::co_spawn(io, take(&locks, "b", "b", &order, &holders, &most), asio::detached);
  io.run();
  EXPECT_EQ(most, 2);  // both held at once
}

TEST(SessionTurnLocks, AcrossThreadsOnStrandsEveryWaiterGetsItsTurn) {
  asio::io_context io;
  SessionTurnLocks locks;
  std::vector<std::string> order;  // written by holders only: one at a time
  std::atomic<int> holders = 0;
  int most = 0;
  auto worker = [&](int i) -> asio::awaitable<void> {
    for (int k = 0; k < 20; ++k) {
      auto guard = co_await locks.acquire("shared");
      const int now = ++holders;
      if (now > most) most = now;
      order.push_back(std::to_string(i));
      --holders;
    }
  };
  for (int i = 0; i < 8; ++i) asio::co_spawn(asio::make_strand(io), worker(i), asio::detached);
  std::thread other([&] { io.run(); });
  io.run();
  other.join();
  EXPECT_EQ(order.size(), 160u);
  EXPECT_EQ(most, 1);
}

}  // namespace
