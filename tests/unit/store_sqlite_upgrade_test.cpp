// SQLite-only behaviour: opening a database of an earlier server in place (api.md §5.4), crash safety under
// SIGKILL, and the online backup.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/clock.hpp"
#include "store/sqlite_connection.hpp"
#include "store/wal_checkpointer.hpp"
#include "store_test_support.hpp"

using namespace parley;
using namespace parley::store;

namespace {

std::filesystem::path fixture(const std::string& name) {
  return std::filesystem::path(__FILE__).parent_path().parent_path() / "fixtures" / name;
}

void run_script(const std::filesystem::path& db, const std::string& script) {
  sqlite3* handle = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &handle), SQLITE_OK);
  char* error = nullptr;
  const int rc = sqlite3_exec(handle, script.c_str(), nullptr, nullptr, &error);
  const std::string message = error ? error : "";
  sqlite3_free(error);
  sqlite3_close(handle);
  ASSERT_EQ(rc, SQLITE_OK) << message;
}

std::vector<SqlRow> raw_query(const std::filesystem::path& db, const std::string& sql) {
  SqliteConnection c(db);
  return c.query(sql);
}

TEST(SqliteUpgrade, OpensAnEarlierServersFileInPlaceWithoutLosingData) {
  const auto db = test_support::fresh_sqlite_path("legacy");
  std::ifstream in(fixture("legacy_chat_sessions.sql"));
  ASSERT_TRUE(in) << "missing tests/fixtures/legacy_chat_sessions.sql";
  std::stringstream script;
  script << in.rdbuf();
  run_script(db, script.str());
  const auto rows_before =
      raw_query(db, "SELECT id, session_id, role, content, metadata, created_at FROM messages ORDER BY id");

  auto opened = open_sqlite_repository(db);
  EXPECT_EQ(opened.applied_migrations, (std::vector<int>{1, 2, 3, 4, 5, 6, 7}));
  auto& repo = *opened.repository;

  // Rows, timestamps and metadata JSON are kept byte for byte.
  const auto rows_after =
      raw_query(db, "SELECT id, session_id, role, content, metadata, created_at FROM messages ORDER BY id");
  ASSERT_EQ(rows_after.size(), rows_before.size());
  for (std::size_t i = 0; i < rows_before.size(); ++i) EXPECT_EQ(rows_after[i].values, rows_before[i].values);
  EXPECT_EQ(raw_query(db, "SELECT count(*) FROM attachments")[0].integer(0), 1);
  EXPECT_EQ(raw_query(db, "SELECT count(*) FROM events")[0].integer(0), 1);
  EXPECT_EQ(raw_query(db, "SELECT version FROM schema_migrations ORDER BY version").size(), 7u);
  // Each conversation's count of user and assistant rows was back-filled (migration 4).
  for (const auto& row : raw_query(db,
                                   "SELECT c.visible_messages, (SELECT count(*) FROM messages m WHERE "
                                   "m.session_id = c.session_id AND m.role IN ('user', 'assistant')) "
                                   "FROM conversations c")) {
    EXPECT_EQ(row.integer(0), row.integer(1));
  }
  EXPECT_EQ(raw_query(db, "PRAGMA integrity_check")[0].text(0), "ok");

  // updated_at backfilled from the newest message, else the conversation's creation.
  EXPECT_EQ(raw_query(db,
                      "SELECT updated_at FROM conversations WHERE session_id = "
                      "'session_0a1b2c3d4e5f60718293a4b5c6d7e8f9'")[0]
                .text(0),
            "2024-05-01 10:00:06");
  const auto french = repo.find_conversation("session_0a1b2c3d4e5f60718293a4b5c6d7e8f9");
  ASSERT_TRUE(french);
  EXPECT_EQ(french->updated_at, *parse_timestamp("2024-05-01 10:00:06"));

  // The messages read as the chat routes need them; structured content comes back parsed.
  const auto messages = repo.load_messages("session_ffffffffffffffffffffffffffffffff");
  ASSERT_EQ(messages.size(), 2u);
  ASSERT_TRUE(messages[0].content.is_array());
  EXPECT_EQ(messages[0].content.as_array()[0].as_object().at("text"), "Describe this zebra photo");
  EXPECT_TRUE(messages[0].metadata.empty());
  EXPECT_FALSE(messages[0].client_message_id);

  // The search index was filled from the existing rows; system-only conversations are not listed.
  ConversationQuery q;
  EXPECT_EQ(repo.list_conversations(q).total, 2);
  q.text = "zebra";
  const auto zebra = repo.list_conversations(q);
  ASSERT_EQ(zebra.conversations.size(), 1u);
  EXPECT_EQ(zebra.conversations[0].session_id, "session_ffffffffffffffffffffffffffffffff");
  EXPECT_EQ(zebra.conversations[0].last_model, "anthropic/claude-3.5-sonnet");
  q.text = "creme brulee";
  EXPECT_EQ(repo.list_conversations(q).total, 1);

  // Old attachment rows keep their values; storage_backend null means gcs.
  const auto attachment = repo.find_attachment("0123456789abcdef0123456789abcdef");
  ASSERT_TRUE(attachment);
  EXPECT_FALSE(attachment->storage_backend);
  EXPECT_EQ(attachment->expires_at, *parse_timestamp("2024-06-09T08:30:05+00:00"));
  EXPECT_EQ(repo.delete_conversation("session_ffffffffffffffffffffffffffffffff")[0].storage_backend, "gcs");

  // New rows get the new columns.
  NewMessage m;
  m.session_id = "session_0a1b2c3d4e5f60718293a4b5c6d7e8f9";
  m.role = "user";
  m.content = "follow-up";
  m.client_message_id = "user_new";
  const auto stored = repo.insert_message(m);
  EXPECT_GT(stored.id, rows_before.back().integer(0));
  EXPECT_EQ(repo.delete_message_cascade(m.session_id, "user_new"), 1);
  std::filesystem::remove_all(db.parent_path());
}

// The child inserts messages until it is killed, reporting each id once insert_message has returned.
[[noreturn]] void write_until_killed(const std::filesystem::path& db, int report_fd) {
  try {
    auto repo = open_sqlite_repository(db).repository;
    for (std::int64_t i = 0;; ++i) {
      NewMessage m;
      m.session_id = "crash-" + std::to_string(i % 4);
      m.role = i % 2 ? "assistant" : "user";
      m.content =
          "message number " + std::to_string(i) + " " + std::string(static_cast<std::size_t>(i % 300), 'x');
      m.client_message_id = "c" + std::to_string(i);
      const auto stored = repo->insert_message(m);
      const std::int64_t ack[2] = {stored.id, i};
      if (::write(report_fd, ack, sizeof ack) != static_cast<ssize_t>(sizeof ack)) ::_exit(3);
    }
  } catch (...) {
    ::_exit(4);
  }
}

TEST(SqliteCrashSafety, EveryAcknowledgedMessageSurvivesSigkill) {
  const auto db = test_support::fresh_sqlite_path("crash");
  open_sqlite_repository(db);  // schema first, so the child spends its time writing
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(fds[0]);
    write_until_killed(db, fds[1]);
  }
  ::close(fds[1]);
  std::vector<std::pair<std::int64_t, std::int64_t>> acknowledged;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);
  while (std::chrono::steady_clock::now() < deadline) {
    std::int64_t ack[2];
    if (::read(fds[0], ack, sizeof ack) != static_cast<ssize_t>(sizeof ack)) break;
    acknowledged.emplace_back(ack[0], ack[1]);
  }
  ASSERT_EQ(::kill(child, SIGKILL), 0);
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the writer stopped on its own with status " << status;
  // Acknowledgements already in the pipe when the writer died count too.
  std::int64_t ack[2];
  while (::read(fds[0], ack, sizeof ack) == static_cast<ssize_t>(sizeof ack))
    acknowledged.emplace_back(ack[0], ack[1]);
  ::close(fds[0]);
  ASSERT_GT(acknowledged.size(), 50u) << "the writer made too little progress to test anything";

  auto repo = open_sqlite_repository(db).repository;
  std::map<std::int64_t, StoredMessage> by_id;
  for (int s = 0; s < 4; ++s) {
    for (auto& m : repo->load_messages("crash-" + std::to_string(s))) by_id.emplace(m.id, std::move(m));
  }
  for (const auto& [id, i] : acknowledged) {
    auto it = by_id.find(id);
    ASSERT_NE(it, by_id.end()) << "acknowledged message " << i << " (id " << id << ") is missing";
    EXPECT_EQ(it->second.client_message_id, "c" + std::to_string(i));
    EXPECT_EQ(it->second.content.as_string().subview().substr(0, 15), "message number ");
  }
  EXPECT_EQ(raw_query(db, "PRAGMA integrity_check")[0].text(0), "ok");
  EXPECT_EQ(
      raw_query(db, "INSERT INTO messages_fts(messages_fts, rank) VALUES ('integrity-check', 1)").size(), 0u);
  std::filesystem::remove_all(db.parent_path());
}

// Migration 6 rebuilds messages_fts with prefix indexes: a version-5 file (index without them) keeps every
// indexed row, searches the same, and deletes still reach the index through the recreated trigger.
TEST(SqliteUpgrade, SearchIndexGetsPrefixIndexesWithoutLosingRows) {
  const auto db = test_support::fresh_sqlite_path("fts-prefix");
  auto search = [](Repository& repo, const std::string& q) {
    ConversationQuery query;
    query.text = q;
    std::vector<std::string> sessions;
    const auto page = repo.list_conversations(query);
    for (const auto& c : page.conversations) sessions.push_back(c.session_id + ":" + c.snippet.value_or("-"));
    sessions.push_back("total " + std::to_string(page.total));
    return sessions;
  };
  const std::vector<std::string> queries = {"su", "sun", "mine su", "x", "caf", "do", "\"", "zz"};
  std::vector<std::vector<std::string>> before;
  {
    auto repo = open_sqlite_repository(db).repository;
    const char* texts[] = {"sunny day", "mine is summer", "café society", "don't stop",
                           "x marks",   "mine",           "nothing here", "sugar and mines"};
    int i = 0;
    for (const auto* text : texts) {
      NewMessage m;
      m.session_id = "s" + std::to_string(i++ % 5);
      m.role = i % 3 == 0 ? "assistant" : "user";
      m.content = text;
      repo->insert_message(m);
    }
    for (const auto& q : queries) before.push_back(search(*repo, q));
  }
  // Back to version 5's index: the same text, no prefix option.
  run_script(db, R"sql(
DROP TRIGGER messages_fts_delete;
CREATE VIRTUAL TABLE old_fts USING fts5(text, tokenize='unicode61 remove_diacritics 2');
INSERT INTO old_fts (rowid, text) SELECT rowid, text FROM messages_fts;
DROP TABLE messages_fts;
ALTER TABLE old_fts RENAME TO messages_fts;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
  DELETE FROM messages_fts WHERE rowid = old.id;
END;
DELETE FROM schema_migrations WHERE version = 6;
)sql");
  ASSERT_EQ(
      raw_query(db, "SELECT sql FROM sqlite_schema WHERE name = 'messages_fts'")[0].text(0).find("prefix"),
      std::string::npos);
  const auto indexed = raw_query(db, "SELECT rowid, text FROM messages_fts ORDER BY rowid");

  auto opened = open_sqlite_repository(db, 4, system_wall_clock(), false);
  EXPECT_EQ(opened.applied_migrations, (std::vector<int>{6}));
  auto& repo = *opened.repository;
  EXPECT_NE(raw_query(db, "SELECT sql FROM sqlite_schema WHERE name = 'messages_fts'")[0].text(0).find(
                "prefix='2 3 4'"),
            std::string::npos);
  const auto reindexed = raw_query(db, "SELECT rowid, text FROM messages_fts ORDER BY rowid");
  ASSERT_EQ(reindexed.size(), indexed.size());
  for (std::size_t i = 0; i < indexed.size(); ++i) EXPECT_EQ(reindexed[i].values, indexed[i].values);
  for (std::size_t i = 0; i < queries.size(); ++i)
    EXPECT_EQ(search(repo, queries[i]), before[i]) << queries[i];
  EXPECT_EQ(raw_query(db, "SELECT count(*) FROM sqlite_schema WHERE name LIKE '%prefixed%'")[0].integer(0),
            0);
  EXPECT_EQ(
      raw_query(db, "INSERT INTO messages_fts(messages_fts, rank) VALUES ('integrity-check', 1)").size(), 0u);

  // The recreated delete trigger keeps the index in step.
  EXPECT_GT(repo.delete_message_cascade("s1", reindexed[1].text(0)), 0);
  EXPECT_TRUE(raw_query(db, "SELECT 1 FROM messages_fts WHERE rowid = " + reindexed[1].text(0)).empty());
  EXPECT_EQ(raw_query(db, "SELECT count(*) FROM messages_fts")[0].integer(0),
            static_cast<std::int64_t>(indexed.size()) - 1);
  std::filesystem::remove_all(db.parent_path());
}

TEST(SqliteBackup, CopiesALiveDatabase) {
  const auto db = test_support::fresh_sqlite_path("backup-src");
  auto repo = open_sqlite_repository(db).repository;
  NewMessage m;
  m.session_id = "s";
  m.role = "user";
  m.content = "keep me";
  repo->insert_message(m);
  const auto copy = db.parent_path() / "copy.db";
  sqlite_backup(db, copy);
  auto restored = open_sqlite_repository(copy);
  EXPECT_TRUE(restored.applied_migrations.empty());
  ASSERT_EQ(restored.repository->load_messages("s").size(), 1u);
  EXPECT_EQ(restored.repository->load_messages("s")[0].content, "keep me");
  EXPECT_THROW(sqlite_backup(db.parent_path() / "missing.db", copy), DatabaseError);
  std::filesystem::remove_all(db.parent_path());
}

}  // namespace

// The write-ahead log is checkpointed by the checkpointer's thread, not inside a commit: with a threshold of
// 8 pages, a few hundred small commits (far below SQLite's own 1,000-page automatic checkpoint) reach the
// database file only through that thread.
TEST(SqliteWalCheckpointer, CheckpointsOnItsOwnThreadAndKeepsEveryRow) {
  const auto db = test_support::fresh_sqlite_path("wal-checkpointer");
  {
    SqliteConnection c(db);
    c.execute_script("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
  }
  const auto before = std::filesystem::file_size(db);
  WalCheckpointer checkpointer(db, 8);
  SqliteConnection writer(db);
  checkpointer.attach(writer.handle());
  for (int i = 0; i < 300; ++i) {
    writer.begin_write();
    writer.query("INSERT INTO t (v) VALUES (?)", {std::string(200, static_cast<char>('a' + i % 26))});
    writer.commit();
  }
  for (int i = 0; i < 200 && checkpointer.completed() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_GT(checkpointer.completed(), 0);
  for (int i = 0; i < 200 && std::filesystem::file_size(db) <= before; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_GT(std::filesystem::file_size(db), before) << "the checkpoint copied the log into the database file";
  SqliteConnection reader(db);
  const auto rows = reader.query("SELECT count(*), count(DISTINCT v) FROM t");
  EXPECT_EQ(rows.front().integer(0), 300);
  EXPECT_EQ(rows.front().integer(1), 26);
}

namespace {

// The frames the log's file has room for: the largest the log has been (the file is not truncated when a
// writer starts the log again from its beginning).
int wal_frames(const std::filesystem::path& db) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(db.string() + "-wal", ec);
  return ec || size < 32 ? 0 : static_cast<int>((size - 32) / (4096 + 24));
}

}  // namespace

// The thread's checkpoint copies the log into the database file by itself, below the writer's fallback of
// 20 × threshold: its connection must have opened the log (a connection that has read nothing yet checkpoints
// nothing and reports -1 frames). Before, every checkpoint of the thread was such a no-op and the log grew to
// the fallback's size.
TEST(SqliteWalCheckpointer, TheThreadsCheckpointCopiesTheLogAndTheNextWriterStartsItAgain) {
  const auto db = test_support::fresh_sqlite_path("wal-checkpointer-copies");
  {
    SqliteConnection c(db);
    c.execute_script("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
  }
  WalCheckpointer checkpointer(db, 64);  // the writer's own fallback only past 1,280 pages
  SqliteConnection writer(db);
  checkpointer.attach(writer.handle());
  const auto before = std::filesystem::file_size(db);
  int commits = 0;
  // Past the threshold (a commit of a 3,000-byte row writes a page or two), far below the fallback.
  while (wal_frames(db) < 80) {
    writer.begin_write();
    writer.query("INSERT INTO t (v) VALUES (?)", {std::string(3000, 'x')});
    writer.commit();
    ASSERT_LT(++commits, 500);
  }
  // Each 3,000-byte row fills a page of its own.
  const auto copied = before + static_cast<std::uintmax_t>(commits) * 4096;
  for (int i = 0; i < 500 && (std::filesystem::file_size(db) < copied || checkpointer.completed() == 0); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_GE(std::filesystem::file_size(db), copied) << "the thread copied the log (every row) into the file";
  EXPECT_GT(checkpointer.completed(), 0);
  // Once the whole log is in the database file, the next writer starts it again from its beginning: its
  // frames go to the start of the log's file, which stops growing (a commit made while the thread still
  // copies adds to the log and asks for one more checkpoint).
  bool started_again = false;
  for (int i = 0; i < 20 && !started_again; ++i) {
    const auto done = checkpointer.completed();
    const auto size = std::filesystem::file_size(db.string() + "-wal");
    writer.begin_write();
    writer.query("INSERT INTO t (v) VALUES (?)", {std::string(3000, 'y')});
    writer.commit();
    ++commits;
    started_again = std::filesystem::file_size(db.string() + "-wal") == size;
    for (int j = 0; j < 500 && !started_again && checkpointer.completed() == done; ++j)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  EXPECT_TRUE(started_again) << "far below the writer's fallback of 1,280 pages";
  SqliteConnection reader(db);
  EXPECT_EQ(reader.query("SELECT count(*) FROM t").front().integer(0), commits);
}
