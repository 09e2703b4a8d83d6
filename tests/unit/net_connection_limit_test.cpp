// The connection limiter's bookkeeping: slots, the idle list (oldest first, O(1) to leave), eviction, and the
// accept loop's wake-ups that must not be lost; and the default limit derived from the open-files limit.
#include "net/connection_limit.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace {

using parley::net::ConnectionLimit;
using parley::net::IdleLink;

class FakeConnection final : public IdleLink {
 public:
  void evict() override { ++evictions; }
  int evictions = 0;
};

TEST(ConnectionLimit, CountsSlotsUpToTheLimit) {
  ConnectionLimit limit(2);
  FakeConnection a, b;
  EXPECT_FALSE(limit.full());
  limit.opened();
  limit.opened();
  EXPECT_TRUE(limit.full());
  EXPECT_EQ(limit.open(), 2u);
  limit.closed(a);
  EXPECT_FALSE(limit.full());
  limit.closed(b);
  limit.closed(b);  // never below zero
  EXPECT_EQ(limit.open(), 0u);
}

TEST(ConnectionLimit, EvictsTheConnectionIdleLongestFirstAndOnlyIdleOnes) {
  ConnectionLimit limit(3);
  FakeConnection a, b, c;
  for (auto* conn : {&a, &b, &c}) {
    limit.opened();
    limit.idle(*conn);
  }
  limit.idle(a);  // already idle: keeps its place
  limit.busy(b);  // got a request header: not evictable
  EXPECT_EQ(limit.idle_count(), 2u);
  EXPECT_TRUE(limit.evict_oldest_idle());
  EXPECT_EQ(a.evictions, 1);
  EXPECT_TRUE(limit.evict_oldest_idle());
  EXPECT_EQ(c.evictions, 1);
  EXPECT_FALSE(limit.evict_oldest_idle());
  EXPECT_EQ(b.evictions, 0);
  // Idle again after its request: now the only candidate. A closed connection leaves the list.
  limit.idle(b);
  limit.closed(b);
  EXPECT_FALSE(limit.evict_oldest_idle());
  EXPECT_EQ(limit.idle_count(), 0u);
}

TEST(ConnectionLimit, LeavingTheMiddleOfTheIdleListKeepsTheOrder) {
  ConnectionLimit limit(8);
  std::vector<FakeConnection> conns(5);
  for (auto& c : conns) limit.idle(c);
  limit.busy(conns[2]);
  limit.busy(conns[0]);
  limit.busy(conns[4]);
  limit.idle(conns[0]);  // now the newest
  std::vector<int> order;
  while (limit.evict_oldest_idle()) {
    for (std::size_t i = 0; i < conns.size(); ++i) {
      if (conns[i].evictions == 1) {
        order.push_back(static_cast<int>(i));
        conns[i].evictions = 2;
      }
    }
  }
  EXPECT_EQ(order, (std::vector<int>{1, 3, 0}));
}

TEST(ConnectionLimit, WakesTheWaitingAcceptLoopOnceAndNeverLosesAChange) {
  ConnectionLimit limit(1);
  int wakes = 0;
  limit.on_change([&wakes] { ++wakes; });
  FakeConnection a, b;
  limit.opened();

  // Nobody waits: no wake-up, but the change is counted.
  auto seen = limit.changes();
  limit.idle(a);
  EXPECT_EQ(wakes, 0);
  // A change between looking and waiting: the loop must not wait.
  EXPECT_FALSE(limit.arm_wait(seen));

  seen = limit.changes();
  ASSERT_TRUE(limit.arm_wait(seen));
  limit.closed(a);
  EXPECT_EQ(wakes, 1);
  limit.idle(b);  // the loop has been woken already: no second wake-up for the same wait
  EXPECT_EQ(wakes, 1);

  seen = limit.changes();
  ASSERT_TRUE(limit.arm_wait(seen));
  limit.changed();  // an eviction found its connection busy again
  EXPECT_EQ(wakes, 2);
}

TEST(ConnectionLimit, DefaultLimitLeavesRoomForParleysOwnDescriptors) {
  using parley::net::connection_limit_for;
  EXPECT_EQ(connection_limit_for(96), 24u);
  EXPECT_EQ(connection_limit_for(1024), 464u);
  // The benchmark's 9,900 streams under a 20,000 limit still fit.
  EXPECT_GE(connection_limit_for(20000), 9900u);
  EXPECT_EQ(connection_limit_for(8), 2u);
  EXPECT_EQ(connection_limit_for(0), 1u);
}

TEST(ConnectionLimit, OpenFilesLimitIsRaisedToTheHardLimit) {
  const auto before = parley::net::open_files_limit();
  const auto raised = parley::net::raise_open_files_limit();
  EXPECT_GE(raised, before);
  EXPECT_EQ(parley::net::open_files_limit(), raised);
}

}  // namespace
