// The PostgreSQL store when the server drops its connections (a restart, pg_terminate_backend): pooled and
// dedicated connections found dead are replaced before the next statement instead of failing it (issue 16,
// defect 2). Needs the private server of tests/lib/postgres.sh (PARLEY_TEST_POSTGRES_URL).
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "store/postgres_connection.hpp"
#include "store/repository.hpp"
#include "store/settings_table.hpp"
#include "store_test_support.hpp"

using namespace parley;
using namespace parley::store;

namespace {

class PostgresFaultsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* url = test_support::postgres_url();
    ASSERT_NE(url, nullptr) << "PARLEY_TEST_POSTGRES_URL is not set: run `eval \"$(tests/lib/postgres.sh "
                               "start)\"` first";
    url_ = url;
    test_support::reset_postgres(url_);
    repo_ = open_postgres_repository(url_).repository;
  }

  // Ends every other connection to the test database, as a server restart would, and waits until the
  // server has let them go.
  void terminate_other_connections() {
    PostgresConnection admin(url_);
    const char* others =
        "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
        "AND backend_type = 'client backend'";
    const auto killed = admin.query(std::string("SELECT count(pg_terminate_backend(pid)) ") + others);
    ASSERT_GT(killed.at(0).integer(0), 0) << "the repository should hold at least one open connection";
    for (int i = 0; i < 200; ++i) {
      if (admin.query(std::string("SELECT count(*) ") + others).at(0).integer(0) == 0) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    FAIL() << "the terminated backends did not exit";
  }

  NewMessage message(const std::string& session, const std::string& text) {
    NewMessage m;
    m.session_id = session;
    m.role = "user";
    m.content = text;
    return m;
  }

  std::string url_;
  std::unique_ptr<Repository> repo_;
};

TEST_F(PostgresFaultsTest, TheFirstReadAfterTheConnectionsWereDroppedSucceeds) {
  repo_->insert_message(message("s1", "before"));
  ASSERT_EQ(repo_->list_conversations({}).total, 1);
  terminate_other_connections();
  EXPECT_EQ(repo_->list_conversations({}).total, 1);
  EXPECT_TRUE(repo_->ping());
}

TEST_F(PostgresFaultsTest, TheFirstWriteAfterTheConnectionsWereDroppedIsStoredOnce) {
  repo_->insert_message(message("s1", "before"));
  terminate_other_connections();
  EXPECT_NO_THROW(repo_->insert_message(message("s1", "after")));
  const auto rows = repo_->load_messages("s1");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].content.as_string(), "after");
  // A transaction that opens on a dropped connection (the chat turn's first write) is not lost either.
  terminate_other_connections();
  EXPECT_NO_THROW(repo_->open_turn("s2", std::nullopt, {message("s2", "turn")}));
  EXPECT_EQ(repo_->load_messages("s2").size(), 1u);
}

TEST_F(PostgresFaultsTest, TheSettingsTableReadsThroughAReplacedConnection) {
  PostgresDocumentStore table(url_);
  ASSERT_FALSE(table.write("model_settings", R"({"model":"a/b"})"));
  terminate_other_connections();
  ReadError error;
  const auto doc = table.read("model_settings", error);
  EXPECT_EQ(error.message, "");
  ASSERT_TRUE(doc.has_value());
  EXPECT_NE(doc->text.find("a/b"), std::string::npos);
}

TEST(PostgresStatements, OnlyReadsWithoutSideEffectsAreRepeated) {
  EXPECT_TRUE(is_plain_read("SELECT 1"));
  EXPECT_TRUE(is_plain_read("  select id FROM messages WHERE session_id = ?"));
  EXPECT_FALSE(is_plain_read("INSERT INTO conversations VALUES (?)"));
  EXPECT_FALSE(is_plain_read("SELECT pg_notify('parley_settings', ?)"));
  EXPECT_FALSE(is_plain_read("SELECT pg_try_advisory_lock(?)"));
  EXPECT_FALSE(is_plain_read("SELECT version FROM settings WHERE name = ? FOR UPDATE"));
  EXPECT_FALSE(is_plain_read("UPDATE conversations SET title = ? RETURNING session_id"));
}

}  // namespace
