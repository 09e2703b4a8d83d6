// store::GroupCommit on a real SQLite file: writes that arrive while a transaction is being written share the
// next one; a write that fails is rolled back alone.
#include "store/group_commit.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "store/sqlite_connection.hpp"
#include "store_test_support.hpp"

using namespace parley::store;

namespace {

struct GroupCommitTest : ::testing::Test {
  std::filesystem::path path = test_support::fresh_sqlite_path("group-commit");
  ConnectionPool pool{[this] { return std::make_unique<SqliteConnection>(path); }, 2, true};
  GroupCommit group{pool};

  void SetUp() override {
    auto c = pool.writer();
    c->execute_script("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
  }
  std::vector<std::string> values() {
    auto c = pool.reader();
    std::vector<std::string> out;
    for (const auto& r : c->query("SELECT v FROM t ORDER BY id")) out.push_back(r.text(0));
    return out;
  }
  static std::function<void(SqlConnection&)> insert(int id, std::string v) {
    return [id, v](SqlConnection& c) {
      c.query("INSERT INTO t (id, v) VALUES (?, ?)", {std::int64_t{id}, v});
    };
  }
};

}  // namespace

TEST_F(GroupCommitTest, ALoneWriteIsCommittedInATransactionOfItsOwn) {
  group.run(insert(1, "a"));
  EXPECT_EQ(values(), std::vector<std::string>{"a"});
  EXPECT_EQ(group.writes(), 1);
  EXPECT_EQ(group.transactions(), 1);
}

TEST_F(GroupCommitTest, WritesQueuedDuringATransactionShareTheNextAndAFailingOneIsRolledBackAlone) {
  constexpr int kOthers = 6;
  // The first write holds its transaction open until every other write is queued behind it.
  std::atomic<bool> inside{false};
  std::function<void(SqlConnection&)> first = [&](SqlConnection& c) {
    c.query("INSERT INTO t (id, v) VALUES (0, 'first')");
    inside = true;
    while (group.waiting() < kOthers) std::this_thread::yield();
  };
  std::thread leader([&] { group.run(first); });
  while (!inside) std::this_thread::yield();
  std::vector<std::thread> others;
  std::vector<std::string> errors(kOthers);
  for (int i = 1; i <= kOthers; ++i) {
    others.emplace_back([&, i] {
      std::function<void(SqlConnection&)> write = insert(i, "w" + std::to_string(i));
      if (i == 3) {
        write = [](SqlConnection& c) {
          c.query("INSERT INTO t (id, v) VALUES (3, 'rolled back')");
          throw std::runtime_error("write 3 failed");
        };
      }
      try {
        group.run(write);
      } catch (const std::exception& e) {
        errors[static_cast<std::size_t>(i - 1)] = e.what();
      }
    });
  }
  leader.join();
  for (auto& t : others) t.join();

  EXPECT_EQ(values(), (std::vector<std::string>{"first", "w1", "w2", "w4", "w5", "w6"}));
  EXPECT_EQ(errors[2], "write 3 failed");
  for (int i : {0, 1, 3, 4, 5}) EXPECT_EQ(errors[static_cast<std::size_t>(i)], "") << i;
  EXPECT_EQ(group.writes(), kOthers + 1);
  EXPECT_EQ(group.transactions(), 2);  // the first write's, then one for the six queued behind it
}

TEST_F(GroupCommitTest, AFailedCommitFailsEveryWriteOfTheBatch) {
  // A deferred foreign key check fails at COMMIT: nothing of the transaction is stored.
  {
    auto c = pool.writer();
    c->execute_script(
        "CREATE TABLE parent (id INTEGER PRIMARY KEY); CREATE TABLE child (id INTEGER PRIMARY KEY, "
        "parent INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED); PRAGMA foreign_keys=ON;");
  }
  std::function<void(SqlConnection&)> orphan = [](SqlConnection& c) {
    c.query("INSERT INTO child (id, parent) VALUES (1, 42)");
  };
  EXPECT_ANY_THROW(group.run(orphan));
  auto c = pool.reader();
  EXPECT_TRUE(c->query("SELECT 1 FROM child").empty());
  group.run(insert(7, "after"));
  EXPECT_EQ(values(), std::vector<std::string>{"after"});
}
