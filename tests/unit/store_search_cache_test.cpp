// The SQLite search's message id -> conversation cache (store/message_session_cache.hpp), through the
// repository on a real file: a search after deletes, after new messages (the cache extended), with
// interleaved ids, searches running at the same time as each other and as writes, and the writes of another
// program that the cache must notice (an UPDATE of messages.session_id, an explicit id taken again).
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "store/message_session_cache.hpp"
#include "store/search_text.hpp"
#include "store/sqlite_connection.hpp"
#include "store_test_support.hpp"

using namespace parley;
using namespace parley::store;

namespace {

class SearchCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = test_support::fresh_sqlite_path("search-cache");
    repo_ = open_sqlite_repository(path_).repository;
  }
  void TearDown() override {
    repo_.reset();
    std::filesystem::remove_all(path_.parent_path());
  }

  std::int64_t add(const std::string& session, const std::string& text, const std::string& role = "user") {
    NewMessage m;
    m.session_id = session;
    m.role = role;
    m.content = text;
    return repo_->insert_message(m).id;
  }
  // The matching conversations of every page of `q`, each with its snippet, and the total of the first page.
  std::map<std::string, std::string> search(const std::string& q, std::int64_t* total = nullptr) {
    std::map<std::string, std::string> found;
    for (int offset = 0;; offset += 7) {
      ConversationQuery query;
      query.text = q;
      query.limit = 7;
      query.offset = offset;
      const auto page = repo_->list_conversations(query);
      if (total && offset == 0) *total = page.total;
      for (const auto& c : page.conversations) {
        EXPECT_TRUE(found.emplace(c.session_id, c.snippet.value_or("")).second) << c.session_id;
      }
      if (page.conversations.size() < 7) break;
    }
    return found;
  }
  // What the search must find, from SQLite alone: the conversations of the messages matching `q`.
  std::set<std::string> expected(const std::string& q) {
    std::set<std::string> sessions;
    SqliteConnection c(path_);
    for (const auto& row : c.query(
             "SELECT DISTINCT m.session_id FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid "
             "WHERE messages_fts MATCH ?",
             {fts5_match_expression(search_terms(q))}))
      sessions.insert(row.text(0));
    return sessions;
  }
  static std::set<std::string> keys(const std::map<std::string, std::string>& found) {
    std::set<std::string> out;
    for (const auto& [session, snippet] : found) out.insert(session);
    return out;
  }
  void check(const std::string& q) {
    std::int64_t total = -1;
    const auto found = search(q, &total);
    const auto want = expected(q);
    EXPECT_EQ(keys(found), want) << q;
    EXPECT_EQ(total, static_cast<std::int64_t>(want.size())) << q;
  }
  std::int64_t watched_changes() {
    SqliteConnection c(path_);
    return c.query("SELECT changes FROM message_id_watch").front().integer(0);
  }

  std::filesystem::path path_;
  std::unique_ptr<Repository> repo_;
};

TEST_F(SearchCacheTest, DeletedConversationsAndMessagesAreNotFound) {
  for (const char* s : {"a", "b", "c"}) {
    add(s, std::string("apple from ") + s);
    add(s, "unrelated", "assistant");
  }
  add("b", "pear");
  check("apple");  // builds the cache
  repo_->delete_conversation("b");
  EXPECT_EQ(keys(search("apple")), (std::set<std::string>{"a", "c"}));
  check("apple");
  EXPECT_TRUE(search("pear").empty());
  EXPECT_EQ(search("apple").at("c"), "apple from c");
  // A conversation of the same id made again: new rows, new ids.
  add("b", "apple again in b");
  EXPECT_EQ(search("apple").at("b"), "apple again in b");
  check("apple");
  check("pear");
}

TEST_F(SearchCacheTest, MessagesAddedAfterTheCacheWasBuiltAreFound) {
  for (int i = 0; i < 30; ++i) add("s" + std::to_string(i % 6), "orange " + std::to_string(i));
  check("orange");
  for (int round = 0; round < 5; ++round) {
    for (int i = 0; i < 10; ++i)
      add("n" + std::to_string((round * 10 + i) % 9), "orange late " + std::to_string(round));
    add("s0", "grape " + std::to_string(round));
    check("orange");
    check("grape");
    check("late");
    EXPECT_EQ(search("grape").at("s0").substr(0, 5), "grape");
  }
  // Writes do not count as id reuses: the cache is extended, never rebuilt for them.
  EXPECT_EQ(watched_changes(), 0);
}

TEST_F(SearchCacheTest, InterleavedIdsGapsAndDeletesBetweenSearches) {
  std::vector<std::pair<std::string, std::int64_t>> rows;
  for (int round = 0; round < 8; ++round) {
    for (int j = 0; j < 60; ++j) {
      const auto session = "c" + std::to_string((j * 7 + round) % 13);
      const bool indexed = j % 20 < 14;  // runs of system rows: id gaps in the index
      rows.emplace_back(session,
                        add(session, "w" + std::to_string(j % 11) + " filler" + std::to_string(round),
                            indexed ? (j % 2 ? "assistant" : "user") : "system"));
    }
    // Delete some rows (gaps in the ids, entries left behind in the cache).
    for (auto k = static_cast<std::size_t>(round); k < rows.size(); k += 37) {
      if (rows[k].second < 0) continue;
      repo_->delete_message_cascade(rows[k].first, std::to_string(rows[k].second));
      rows[k].second = -1;
    }
    for (const char* q : {"w1", "w3 filler2", "filler", "w", "filler7"}) check(q);
  }
}

TEST_F(SearchCacheTest, SearchesRunConcurrentlyWithEachOtherAndWithWrites) {
  for (int i = 0; i < 400; ++i) add("c" + std::to_string(i % 50), "plum " + std::to_string(i % 7));
  const auto want_plum = expected("plum");
  std::atomic<bool> failed{false};
  std::atomic<int> started{0};
  auto searcher = [&](const std::string& q) {
    started.fetch_add(1);
    while (started.load() < 3) std::this_thread::yield();  // all three threads at once
    for (int k = 0; k < 15; ++k) {
      ConversationQuery query;
      query.text = q;
      query.limit = 100;
      const auto page = repo_->list_conversations(query);
      std::set<std::string> got;
      for (const auto& c : page.conversations) got.insert(c.session_id);
      if (q == "plum" && (got != want_plum || page.total != 50)) failed = true;
      if (q != "fig") continue;
      // "fig" grows while the writer runs: a search sees some of the writer's conversations, each with its
      // own text.
      for (const auto& c : page.conversations)
        if (c.session_id.rfind("f", 0) != 0 || !c.snippet || c.snippet->rfind("fig", 0) != 0) failed = true;
      if (page.total != static_cast<std::int64_t>(got.size())) failed = true;
    }
  };
  std::thread a(searcher, "plum"), b(searcher, "fig");
  started.fetch_add(1);
  while (started.load() < 3) std::this_thread::yield();
  for (int i = 0; i < 60; ++i) add("f" + std::to_string(i % 40), "fig " + std::to_string(i));
  a.join();
  b.join();
  EXPECT_FALSE(failed);
  check("fig");
  check("plum");
}

// Another program moves a message to another conversation: the cache read before must not answer for it.
TEST_F(SearchCacheTest, AnUpdateOfSessionIdByAnotherProgramIsNoticed) {
  const auto moved = add("from", "kiwi to move");
  add("from", "other text");
  add("to", "something");
  EXPECT_EQ(keys(search("kiwi")), (std::set<std::string>{"from"}));  // the cache knows: moved -> "from"
  {
    SqliteConnection c(path_);
    c.query("UPDATE messages SET session_id = 'to' WHERE id = ?", {moved});
  }
  EXPECT_EQ(watched_changes(), 1);
  EXPECT_EQ(keys(search("kiwi")), (std::set<std::string>{"to"}));
  check("kiwi");
}

// Another program deletes a message and writes a row with the same id in another conversation (with its
// index entry): the entry the cache kept for the deleted row must not be used.
TEST_F(SearchCacheTest, AnIdTakenAgainByAnotherProgramIsNoticed) {
  const auto first = add("old", "lime here");
  add("old", "more lime");
  const auto last = add("new", "lemon");
  EXPECT_EQ(keys(search("lime")), (std::set<std::string>{"old"}));
  {
    SqliteConnection c(path_);
    c.query("DELETE FROM messages WHERE id = ?", {first});
    c.query("INSERT INTO messages (id, session_id, role, content) VALUES (?, 'new', 'user', 'lime reused')",
            {first});
    c.query("INSERT INTO messages_fts (rowid, text) VALUES (?, 'lime reused')", {first});
    // And the largest id again, after sqlite_sequence was lowered by hand.
    c.query("DELETE FROM messages WHERE id = ?", {last});
    c.query("UPDATE sqlite_sequence SET seq = 0 WHERE name = 'messages'");
    c.query("INSERT INTO messages (id, session_id, role, content) VALUES (?, 'old', 'user', 'lemon moved')",
            {last});
    c.query("INSERT INTO messages_fts (rowid, text) VALUES (?, 'lemon moved')", {last});
  }
  EXPECT_EQ(watched_changes(), 2);
  EXPECT_EQ(search("lime"),
            (std::map<std::string, std::string>{{"new", "lime reused"}, {"old", "more lime"}}));
  EXPECT_EQ(search("lemon"), (std::map<std::string, std::string>{{"old", "lemon moved"}}));
  check("lime");
  check("lemon");
}

// The cache itself, on connections of the test's own: a read transaction that began before another
// program's change and the rebuild it caused is not served from the rebuilt entries.
TEST_F(SearchCacheTest, ASnapshotOlderThanARebuildIsNotServed) {
  const auto moved = add("from", "kiwi");
  add("other", "x");
  SqliteConnection older(path_), newer(path_), writer(path_);
  older.execute_script("BEGIN");
  ASSERT_EQ(older.query("SELECT session_id FROM messages WHERE id = ?", {moved}).front().text(0), "from");
  writer.query("UPDATE messages SET session_id = 'other' WHERE id = ?", {moved});
  MessageSessionCache cache;
  newer.execute_script("BEGIN");
  {
    const auto reader = cache.read(newer);
    ASSERT_TRUE(reader);
    ASSERT_NE(reader->conversation(moved), MessageSessionCache::unknown);
    EXPECT_EQ(reader->session(reader->conversation(moved)), "other");
  }
  newer.rollback();
  EXPECT_FALSE(cache.read(older)) << "the older snapshot has the row in \"from\"";
  older.rollback();
  EXPECT_EQ(cache.stats().builds, 1);
}

// Rows deleted after an older snapshot began and before the cache was built: the older snapshot still sees
// them; a gap is left to SQLite, and a row above the cache is added from the older snapshot (ids are not
// reused, so the entry stays right).
TEST_F(SearchCacheTest, AnOlderSnapshotSeesRowsDeletedBeforeTheBuild) {
  const auto a1 = add("a", "one");
  const auto a2 = add("a", "two");
  const auto b1 = add("b", "three");
  const auto b2 = add("b", "four");
  SqliteConnection older(path_), newer(path_), writer(path_);
  older.execute_script("BEGIN");
  ASSERT_EQ(older.query("SELECT count(*) FROM messages").front().integer(0), 4);
  writer.query("DELETE FROM messages WHERE id IN (?, ?)", {a2, b2});
  MessageSessionCache cache;
  newer.execute_script("BEGIN");
  {
    const auto reader = cache.read(newer);
    ASSERT_TRUE(reader);
    EXPECT_EQ(reader->session(reader->conversation(a1)), "a");
    EXPECT_EQ(reader->conversation(a2), MessageSessionCache::unknown);
    EXPECT_EQ(reader->conversation(b2), MessageSessionCache::unknown);
  }
  newer.rollback();
  {
    const auto reader = cache.read(older);
    ASSERT_TRUE(reader);
    EXPECT_EQ(reader->conversation(a2), MessageSessionCache::unknown);  // a gap: SQLite answers
    ASSERT_NE(reader->conversation(b2), MessageSessionCache::unknown);  // read from the older snapshot
    EXPECT_EQ(reader->session(reader->conversation(b2)), "b");
    EXPECT_EQ(reader->session(reader->conversation(b1)), "b");
  }
  older.rollback();
  const auto stats = cache.stats();
  EXPECT_EQ(stats.builds, 1);
  EXPECT_EQ(stats.extensions, 1);
  EXPECT_EQ(stats.last, b2);
}

// Migration 7 on a file that has messages: the watch starts at the largest id, and a reopened file keeps its
// count.
TEST_F(SearchCacheTest, TheWatchStartsAtTheLargestIdOfAnExistingFile) {
  add("a", "x1");
  const auto last = add("a", "x2");
  repo_.reset();
  {
    SqliteConnection c(path_);
    c.execute_script(
        "DROP TRIGGER messages_id_watch_insert; DROP TRIGGER messages_id_watch_update; "
        "DROP TABLE message_id_watch; DELETE FROM schema_migrations WHERE version = 7;");
  }
  auto opened = open_sqlite_repository(path_);
  EXPECT_EQ(opened.applied_migrations, std::vector<int>{7});
  repo_ = std::move(opened.repository);
  {
    SqliteConnection c(path_);
    const auto row = c.query("SELECT high_id, changes FROM message_id_watch").front();
    EXPECT_EQ(row.integer(0), last);
    EXPECT_EQ(row.integer(1), 0);
  }
  EXPECT_GT(add("a", "x3"), last);
  EXPECT_EQ(watched_changes(), 0);
  check("x3");
}

}  // namespace
