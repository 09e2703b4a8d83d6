// The per-session advisory locks that serialize a session's turns across replicas (issue 16, defect 4), two
// SessionLocks standing for two replicas on the PostgreSQL server of tests/lib/postgres.sh.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <thread>

#include "store/session_locks.hpp"
#include "store_test_support.hpp"

using namespace parley::store;

namespace {

class SessionLocksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* url = test_support::postgres_url();
    ASSERT_NE(url, nullptr) << "PARLEY_TEST_POSTGRES_URL is not set: run `eval \"$(tests/lib/postgres.sh "
                               "start)\"` first";
    url_ = url;
  }
  std::string url_;
};

TEST_F(SessionLocksTest, OneReplicaAtATimeHoldsASessionOthersAreFree) {
  SessionLocks a(url_), b(url_);
  ASSERT_TRUE(a.try_lock("s-one"));
  EXPECT_FALSE(b.try_lock("s-one")) << "replica B must wait for A's turn";
  EXPECT_TRUE(b.try_lock("s-two")) << "another session is not held up";
  a.unlock("s-one");
  EXPECT_TRUE(b.try_lock("s-one"));
  b.unlock("s-one");
  b.unlock("s-two");
}

TEST_F(SessionLocksTest, TakesNestOnOneReplicaAndEachNeedsItsRelease) {
  SessionLocks a(url_), b(url_);
  ASSERT_TRUE(a.try_lock("s-nested"));
  ASSERT_TRUE(a.try_lock("s-nested"));  // the next local turn took it before the last one's release ran
  a.unlock("s-nested");
  EXPECT_FALSE(b.try_lock("s-nested"));
  a.unlock("s-nested");
  EXPECT_TRUE(b.try_lock("s-nested"));
  b.unlock("s-nested");
}

TEST_F(SessionLocksTest, AReplicaThatGoesAwayReleasesWhatItHeld) {
  auto a = std::make_unique<SessionLocks>(url_);
  SessionLocks b(url_);
  ASSERT_TRUE(a->try_lock("s-dying"));
  ASSERT_FALSE(b.try_lock("s-dying"));
  a.reset();  // its connection closes, as a killed replica's does
  bool taken = false;
  for (int i = 0; i < 200 && !taken; ++i) {
    taken = b.try_lock("s-dying");
    if (!taken) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(taken);
  b.unlock("s-dying");
}

TEST(SessionLockKey, IsTheSameOnEveryReplicaAndDiffersBetweenSessions) {
  EXPECT_EQ(session_lock_key("0123456789abcdef0123456789abcdef"),
            session_lock_key(std::string("0123456789abcdef") + "0123456789abcdef"));
  EXPECT_NE(session_lock_key("a"), session_lock_key("b"));
  EXPECT_EQ(session_lock_key(""), static_cast<std::int64_t>(14695981039346656037ull));
}

}  // namespace
