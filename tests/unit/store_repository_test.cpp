// The repository contract, run against SQLite (a temporary file) and a real PostgreSQL server. The
// PostgreSQL half fails when PARLEY_TEST_POSTGRES_URL is unset: start a private server with
// `tests/lib/postgres.sh start` and export the URL it prints.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>

#include <boost/json.hpp>

#include "store/repository.hpp"
#include "store/search_text.hpp"
#include "store/sqlite_connection.hpp"
#include "store_test_support.hpp"

using namespace parley;
using namespace parley::store;
using ::testing::ElementsAre;

namespace {

class RepositoryTest : public ::testing::TestWithParam<Repository::Kind> {
 protected:
  void SetUp() override {
    if (GetParam() == Repository::Kind::sqlite) {
      path_ = test_support::fresh_sqlite_path("repo");
      repo_ = open_sqlite_repository(path_, 4, clock()).repository;
    } else {
      const char* url = test_support::postgres_url();
      ASSERT_NE(url, nullptr) << "PARLEY_TEST_POSTGRES_URL is not set: run `eval \"$(tests/lib/postgres.sh "
                                 "start)\"` first (and tests/lib/postgres.sh stop afterwards)";
      test_support::reset_postgres(url);
      repo_ = open_postgres_repository(url, 4, clock()).repository;
    }
  }
  void TearDown() override {
    repo_.reset();
    if (!path_.empty()) std::filesystem::remove_all(path_.parent_path());
  }

  StoredMessage add(const std::string& session, const std::string& role, boost::json::value content,
                    std::optional<std::string> client = std::nullopt,
                    std::optional<std::string> parent = std::nullopt, boost::json::object metadata = {}) {
    NewMessage m;
    m.session_id = session;
    m.role = role;
    m.content = std::move(content);
    m.client_message_id = std::move(client);
    m.parent_client_message_id = std::move(parent);
    m.metadata = std::move(metadata);
    return repo_->insert_message(m);
  }

  std::vector<std::string> listed(const ConversationQuery& q) {
    std::vector<std::string> ids;
    for (const auto& c : repo_->list_conversations(q).conversations) ids.push_back(c.session_id);
    return ids;
  }
  std::vector<std::string> search(const std::string& text) {
    ConversationQuery q;
    q.text = text;
    return listed(q);
  }

  // A connection of the test's own beside the repository's, for what the repository does not expose.
  std::unique_ptr<SqlConnection> raw() {
    if (GetParam() == Repository::Kind::sqlite) return std::make_unique<SqliteConnection>(path_);
    return std::make_unique<PostgresConnection>(test_support::postgres_url());
  }
  // conversations.visible_messages (the maintained count of user and assistant rows), -1 without the row.
  std::int64_t visible(const std::string& session) {
    const auto rows =
        raw()->query("SELECT visible_messages FROM conversations WHERE session_id = ?", {session});
    return rows.empty() ? -1 : rows.front().integer(0);
  }
  void reopen() {
    repo_.reset();
    repo_ = GetParam() == Repository::Kind::sqlite
                ? open_sqlite_repository(path_, 4, clock()).repository
                : open_postgres_repository(test_support::postgres_url(), 4, clock()).repository;
  }
  // The repository's clock: it stands still until a test moves it, so timestamps of second precision differ
  // when a test says so rather than after a second of sleep.
  WallClock clock() {
    return [this] { return now_; };
  }

  std::filesystem::path path_;
  SystemTime now_ = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  std::unique_ptr<Repository> repo_;
};

TEST_P(RepositoryTest, ReopeningAppliesNoMigrationTwice) {
  if (GetParam() == Repository::Kind::sqlite) {
    repo_.reset();
    EXPECT_TRUE(open_sqlite_repository(path_, 4, clock()).applied_migrations.empty());
  } else {
    repo_.reset();
    EXPECT_TRUE(
        open_postgres_repository(test_support::postgres_url(), 4, clock()).applied_migrations.empty());
  }
}

TEST_P(RepositoryTest, MessagesComeBackInInsertionOrderWithTheirValues) {
  EXPECT_FALSE(repo_->ensure_conversation("s1"));
  EXPECT_TRUE(repo_->ensure_conversation("s1"));
  EXPECT_FALSE(repo_->has_messages("s1"));
  auto sys = add("s1", "system", "You are helpful.");
  boost::json::value fragments = boost::json::parse(
      R"([{"type":"text","text":"look"},{"type":"image_url","image_url":{"url":"/api/files/k"}}])");
  auto user = add("s1", "user", fragments, "user_1", std::nullopt, {{"name", "Ana"}});
  auto assistant = add("s1", "assistant", nullptr, "assistant_1", "user_1",
                       {{"finish_reason", "error"}, {"model", "m/x"}});
  NewMessage tool;
  tool.session_id = "s1";
  tool.role = "tool";
  tool.content = "42";
  tool.tool_call_id = "call_0";
  tool.parent_client_message_id = "assistant_1";
  tool.metadata = {{"tool_name", "calc__add"}, {"tool_status", "finished"}};
  auto tool_row = repo_->insert_message(tool);
  EXPECT_TRUE(repo_->has_messages("s1"));
  EXPECT_LT(sys.id, user.id);
  EXPECT_LT(user.id, assistant.id);
  EXPECT_LT(assistant.id, tool_row.id);

  const auto rows = repo_->load_messages("s1");
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].content, boost::json::value("You are helpful."));
  EXPECT_TRUE(rows[0].metadata.empty());
  EXPECT_EQ(rows[1].content, fragments);
  // The structured-content marker is internal: it never comes back in metadata.
  EXPECT_EQ(rows[1].metadata, (boost::json::object{{"name", "Ana"}}));
  EXPECT_EQ(rows[1].client_message_id, "user_1");
  EXPECT_FALSE(rows[1].parent_client_message_id);
  EXPECT_TRUE(rows[2].content.is_null());
  EXPECT_EQ(rows[2].parent_client_message_id, "user_1");
  EXPECT_EQ(rows[2].metadata.at("model"), "m/x");
  EXPECT_EQ(rows[3].tool_call_id, "call_0");
  EXPECT_EQ(rows[3].role, "tool");
  EXPECT_EQ(rows[0].created_at, now_) << "a row without created_at is stamped with the repository's clock";
  EXPECT_EQ(rows[3].created_at, tool_row.created_at);
  EXPECT_EQ(rows[1].id, user.id);

  MessageRange range;
  range.after_id = user.id;
  range.limit = 1;
  const auto page = repo_->load_messages("s1", range);
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(page[0].id, assistant.id);
  EXPECT_TRUE(repo_->load_messages("unknown").empty());
}

TEST_P(RepositoryTest, RowsOneAtATimeAreTheLoadedRowsAndStopWhenAsked) {
  for (int i = 0; i < 5; ++i) {
    NewMessage m;
    m.session_id = "walk";
    m.role = i % 2 ? "assistant" : "user";
    m.content = boost::json::string("row " + std::to_string(i));
    if (i % 2) m.metadata = boost::json::object{{"model", "m/" + std::to_string(i)}};
    repo_->insert_message(m);
  }
  const auto loaded = repo_->load_messages("walk");
  ASSERT_EQ(loaded.size(), 5u);
  std::vector<std::int64_t> ids;
  std::vector<std::string> texts;
  repo_->for_each_message("walk", {}, [&](StoredMessage& m) {
    ids.push_back(m.id);
    texts.emplace_back(m.content.as_string());
    return true;
  });
  ASSERT_EQ(ids.size(), 5u);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    EXPECT_EQ(ids[i], loaded[i].id);
    EXPECT_EQ(texts[i], std::string(loaded[i].content.as_string()));
  }
  int seen = 0;
  repo_->for_each_message("walk", {}, [&](StoredMessage&) { return ++seen < 2; });
  EXPECT_EQ(seen, 2) << "the walk stops when the callback returns false";
  MessageRange range;
  range.after_id = loaded[1].id;
  range.limit = 2;
  ids.clear();
  repo_->for_each_message("walk", range, [&](StoredMessage& m) {
    ids.push_back(m.id);
    return true;
  });
  EXPECT_THAT(ids, ElementsAre(loaded[2].id, loaded[3].id));
}

TEST_P(RepositoryTest, WithMetadataKeysOnlyRowsNamingOneHaveTheirMetadataRead) {
  boost::json::value fragments = boost::json::parse(
      R"([{"type":"text","text":"look"},{"type":"image_url","image_url":{"url":"/api/files/k"}}])");
  add("keys", "user", fragments);  // structured content, no metadata of its own
  add("keys", "user", "hello", std::nullopt, std::nullopt, {{"name", "Ana"}});
  add("keys", "assistant", "plain answer", std::nullopt, std::nullopt,
      {{"model", "m/x"}, {"usage", boost::json::object{{"total_tokens", 3}}}});
  boost::json::array calls{boost::json::object{{"id", "call_1"}, {"type", "function"}}};
  add("keys", "assistant", nullptr, std::nullopt, std::nullopt, {{"model", "m/x"}, {"tool_calls", calls}});
  add("keys", "assistant", "mentions the key as a value", std::nullopt, std::nullopt,
      {{"meta", boost::json::object{{"note", "tool_calls"}}}});
  add("keys", "assistant", "names a longer key", std::nullopt, std::nullopt, {{"tool_calls_count", 0}});

  const std::vector<std::string_view> keys{"name", "tool_calls"};
  MessageRange range;
  range.metadata_keys = &keys;
  const auto all = repo_->load_messages("keys");
  const auto some = repo_->load_messages("keys", range);
  ASSERT_EQ(all.size(), 6u);
  ASSERT_EQ(some.size(), 6u);
  for (std::size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(some[i].id, all[i].id);
    EXPECT_EQ(some[i].content, all[i].content) << "row " << i;
  }
  EXPECT_EQ(some[0].content, fragments) << "structured content is still parsed";
  EXPECT_EQ(some[1].metadata, all[1].metadata);
  EXPECT_TRUE(some[2].metadata.empty()) << "no wanted key: the metadata is not read";
  EXPECT_FALSE(all[2].metadata.empty());
  EXPECT_EQ(some[3].metadata, all[3].metadata);
  EXPECT_EQ(some[3].metadata.at("tool_calls"), calls);
  EXPECT_EQ(some[4].metadata, all[4].metadata) << "a key's name as a value is read (never skipped wrongly)";
  EXPECT_TRUE(some[5].metadata.empty()) << "a key that only starts with a wanted name is not it";
}

TEST_P(RepositoryTest, OpeningATurnWritesTheSystemRowOnlyIntoAnEmptyConversation) {
  auto make = [](const std::string& role, const std::string& text) {
    NewMessage m;
    m.session_id = "turns";
    m.role = role;
    m.content = boost::json::string(text);
    return m;
  };
  EXPECT_FALSE(repo_->open_turn("turns", make("system", "context"), {make("user", "first")}));
  EXPECT_TRUE(repo_->open_turn("turns", make("system", "context again"),
                               {make("user", "second"), make("tool", "t")}));
  const auto rows = repo_->load_messages("turns");
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].role, "system");
  EXPECT_EQ(rows[0].content, "context");
  EXPECT_EQ(rows[1].content, "first");
  EXPECT_EQ(rows[2].content, "second");
  EXPECT_EQ(rows[3].role, "tool");
  EXPECT_EQ(search("second"), std::vector<std::string>{"turns"});
}

TEST_P(RepositoryTest, DeletingAUserMessageRemovesItsWholeTurn) {
  add("s", "system", "prompt");
  auto u1 = add("s", "user", "first", "user_1");
  add("s", "assistant", "calling", "assistant_1", "user_1");
  add("s", "tool", "result", std::nullopt, "assistant_1");
  add("s", "assistant", "done", "assistant_1", "user_1");
  auto u2 = add("s", "user", "second", "user_2");
  add("other", "user", "same client id elsewhere", "user_1");
  now_ += std::chrono::minutes(1);

  EXPECT_EQ(repo_->delete_message_cascade("s", "user_1"), 4);
  const auto rest = repo_->load_messages("s");
  ASSERT_EQ(rest.size(), 2u);
  EXPECT_EQ(rest[1].id, u2.id);
  EXPECT_EQ(repo_->load_messages("other").size(), 1u);
  EXPECT_EQ(repo_->find_conversation("s")->updated_at, now_) << "a delete is activity";
  EXPECT_EQ(repo_->delete_message_cascade("s", "user_1"), 0);
  EXPECT_EQ(repo_->delete_message_cascade("s", std::to_string(u1.id)), 0);
  EXPECT_EQ(repo_->delete_message_cascade("missing-session", "user_2"), 0);
}

TEST_P(RepositoryTest, DeletingAnAssistantRowByNumericIdKeepsTheOtherHops) {
  add("s", "user", "q", "user_1");
  auto hop1 = add("s", "assistant", "calling", "assistant_1", "user_1");
  add("s", "tool", "r1", std::nullopt, "assistant_1");
  auto hop2 = add("s", "assistant", "answer", "assistant_1", "user_1");
  // The numeric form selects the row by id; its client id then pulls the tool rows of the whole turn.
  EXPECT_EQ(repo_->delete_message_cascade("s", "+" + std::to_string(hop2.id)), 2);
  const auto rest = repo_->load_messages("s");
  ASSERT_EQ(rest.size(), 2u);
  EXPECT_EQ(rest[0].role, "user");
  EXPECT_EQ(rest[1].id, hop1.id);
  // A row without client id deletes only itself.
  auto lone = add("s", "assistant", "lone");
  EXPECT_EQ(repo_->delete_message_cascade("s", std::to_string(lone.id)), 1);
  EXPECT_EQ(repo_->delete_message_cascade("s", "99999999999999999999999"), 0);
}

TEST_P(RepositoryTest, DeletingAConversationCascadesAndRecordsTombstones) {
  add("s", "user", "zanzibar travel notes", "user_1");
  AttachmentRow a;
  a.attachment_id = "0123456789abcdef0123456789abcdef";
  a.session_id = "s";
  a.storage_path = "s/0123456789abcdef0123456789abcdef__a.png";
  a.mime_type = "image/png";
  a.size_bytes = 10;
  a.display_url = a.delivery_url = "/api/files/x";
  a.storage_backend = "local";
  a.created_at = a.last_used_at = std::chrono::system_clock::now();
  repo_->insert_attachment(a);
  EXPECT_THAT(search("zanzibar"), ElementsAre("s"));

  const auto tombstones = repo_->delete_conversation("s");
  ASSERT_EQ(tombstones.size(), 1u);
  EXPECT_EQ(tombstones[0].storage_key, a.storage_path);
  EXPECT_EQ(tombstones[0].storage_backend, "local");
  EXPECT_FALSE(repo_->find_conversation("s"));
  EXPECT_TRUE(repo_->load_messages("s").empty());
  EXPECT_FALSE(repo_->find_attachment(a.attachment_id));
  EXPECT_TRUE(search("zanzibar").empty());
  const auto pending = repo_->pending_tombstones(10);
  ASSERT_EQ(pending.size(), 1u);
  repo_->resolve_tombstone(pending[0], false);
  EXPECT_EQ(repo_->pending_tombstones(10)[0].attempts, 1);
  repo_->resolve_tombstone(pending[0], true);
  EXPECT_TRUE(repo_->pending_tombstones(10).empty());
  EXPECT_TRUE(repo_->delete_conversation("never-existed").empty());
}

TEST_P(RepositoryTest, TitlesSummariesAndCounts) {
  add("s", "system", "prompt");
  add("s", "user", boost::json::string(std::string(30, ' ') + "Plan   a\ttrip " + std::string(100, 'x')),
      "user_1");
  add("s", "assistant", "ok", "assistant_1", "user_1", {{"model", "first/model"}});
  add("s", "assistant", "ok", "assistant_1", "user_1", {{"model", "second/model"}});
  add("s", "assistant", "no model here", "assistant_1", "user_1");
  auto summary = repo_->conversation_summary("s");
  ASSERT_TRUE(summary);
  ASSERT_TRUE(summary->title);
  EXPECT_EQ(summary->title->substr(0, 12), "Plan a trip ");
  EXPECT_EQ(summary->title->size(), 79u + 3u);  // 79 characters plus the 3-byte ellipsis
  EXPECT_EQ(summary->message_count, 4);
  EXPECT_EQ(summary->last_model, "second/model");
  EXPECT_FALSE(summary->snippet);

  EXPECT_EQ(repo_->find_conversation("s")->updated_at, now_);
  now_ += std::chrono::seconds(1);
  EXPECT_TRUE(repo_->set_title("s", std::string("Grüße ") + std::string(5000, 'y')));
  EXPECT_EQ(repo_->find_conversation("s")->updated_at, now_) << "a rename is activity";
  EXPECT_EQ(repo_->conversation_summary("s")->title->substr(0, 8), "Grüße ");
  EXPECT_TRUE(repo_->set_title("s", std::nullopt));
  EXPECT_EQ(repo_->conversation_summary("s")->title->substr(0, 4), "Plan");
  EXPECT_FALSE(repo_->set_title("missing", "x"));
  EXPECT_FALSE(repo_->conversation_summary("missing"));

  add("img", "user", boost::json::parse(R"([{"type":"image_url","image_url":{"url":"u"}}])"));
  EXPECT_FALSE(repo_->conversation_summary("img")->title);
  EXPECT_FALSE(repo_->conversation_summary("img")->last_model);
}

TEST_P(RepositoryTest, ListsVisibleConversationsNewestFirstWithTotals) {
  auto at = [](int seconds) {
    return std::chrono::system_clock::time_point(std::chrono::seconds(1700000000 + seconds));
  };
  for (int i = 0; i < 5; ++i) {
    NewMessage m;
    m.session_id = "c" + std::to_string(i);
    m.role = "user";
    m.content = "hello " + std::to_string(i);
    m.created_at = at(i % 2 == 0 ? 100 : i);  // c0, c2, c4 share a timestamp: session_id breaks the tie
    repo_->insert_message(m);
  }
  add("system-only", "system", "prompt");
  repo_->ensure_conversation("empty");
  ConversationQuery q;
  EXPECT_THAT(listed(q), ElementsAre("c0", "c2", "c4", "c3", "c1"));
  q.limit = 2;
  q.offset = 1;
  const auto page = repo_->list_conversations(q);
  EXPECT_EQ(page.total, 5);
  ASSERT_EQ(page.conversations.size(), 2u);
  EXPECT_EQ(page.conversations[0].session_id, "c2");
  q.offset = 50;
  const auto past = repo_->list_conversations(q);
  EXPECT_TRUE(past.conversations.empty());
  EXPECT_EQ(past.total, 5);
}

TEST_P(RepositoryTest, VisibleCountFollowsInsertsDeletesCascadesAndEdits) {
  add("v", "system", "prompt");
  EXPECT_EQ(visible("v"), 0);
  add("v", "user", "question", "user_1");
  add("v", "assistant", "answer", "assistant_1", "user_1");
  add("v", "tool", "result", std::nullopt, "assistant_1");
  EXPECT_EQ(visible("v"), 2);
  add("v", "user", "second question", "user_2");
  EXPECT_EQ(visible("v"), 3);
  // Deleting a turn (the user row and its children) and a single row.
  EXPECT_EQ(repo_->delete_message_cascade("v", "user_1"), 3);
  EXPECT_EQ(visible("v"), 1);
  EXPECT_EQ(repo_->delete_message_cascade("v", "user_2"), 1);
  EXPECT_EQ(visible("v"), 0);
  EXPECT_TRUE(listed({}).empty());
  // open_turn (the chat route) writes the system row and the turn's rows in one transaction.
  NewMessage user;
  user.session_id = "v";
  user.role = "user";
  user.content = "again";
  NewMessage system = user;
  system.role = "system";
  EXPECT_TRUE(repo_->open_turn("v", system, {user}));
  EXPECT_EQ(visible("v"), 1);
  EXPECT_THAT(listed({}), ElementsAre("v"));
  // Rows changed in place (another program, or a future edit route) move between the counts.
  auto c = raw();
  add("w", "user", "other");
  c->query("UPDATE messages SET role = 'system' WHERE session_id = 'v' AND role = 'user'");
  EXPECT_EQ(visible("v"), 0);
  c->query("UPDATE messages SET role = 'user' WHERE session_id = 'v' AND role = 'system'");
  EXPECT_EQ(visible("v"), 2);
  c->query("UPDATE messages SET session_id = 'w' WHERE session_id = 'v' AND role = 'user'");
  EXPECT_EQ(visible("v"), 0);
  EXPECT_EQ(visible("w"), 3);
  c.reset();
  EXPECT_THAT(listed({}), ElementsAre("w"));
  EXPECT_EQ(repo_->list_conversations({}).total, 1);
  // Deleting the conversation cascades to its rows; a new one starts from zero.
  repo_->delete_conversation("w");
  EXPECT_EQ(visible("w"), -1);
  EXPECT_FALSE(repo_->ensure_conversation("w"));
  EXPECT_EQ(visible("w"), 0);
  add("w", "assistant", "fresh");
  EXPECT_EQ(visible("w"), 1);
}

TEST_P(RepositoryTest, AnExistingDatabaseIsBackFilledByTheVisibleCountMigration) {
  add("a", "user", "one");
  add("a", "assistant", "two");
  add("b", "system", "only a prompt");
  add("c", "assistant", "three");
  // Back to the schema before the migration: no column, no triggers, not recorded.
  {
    auto c = raw();
    if (GetParam() == Repository::Kind::sqlite) {
      c->execute_script(
          "DROP TRIGGER messages_visible_insert; DROP TRIGGER messages_visible_delete; "
          "DROP TRIGGER messages_visible_update; DROP INDEX idx_conversations_visible_updated_at; "
          "DROP INDEX idx_conversations_hidden; DROP INDEX idx_conversations_titled; "
          "DROP INDEX idx_messages_id_session; ALTER TABLE conversations DROP COLUMN visible_messages; "
          "DELETE FROM schema_migrations WHERE version = 4;");
    } else {
      c->execute_script(
          "DROP TRIGGER messages_visible_count ON messages; DROP FUNCTION parley_count_visible_messages(); "
          "ALTER TABLE conversations DROP COLUMN visible_messages; "
          "DELETE FROM schema_migrations WHERE version = 2;");
    }
  }
  repo_.reset();
  if (GetParam() == Repository::Kind::sqlite) {
    auto opened = open_sqlite_repository(path_, 4, clock());
    EXPECT_EQ(opened.applied_migrations, std::vector<int>{4});
    repo_ = std::move(opened.repository);
  } else {
    auto opened = open_postgres_repository(test_support::postgres_url(), 4, clock());
    EXPECT_EQ(opened.applied_migrations, std::vector<int>{2});
    repo_ = std::move(opened.repository);
  }
  EXPECT_EQ(visible("a"), 2);
  EXPECT_EQ(visible("b"), 0);
  EXPECT_EQ(visible("c"), 1);
  EXPECT_EQ(repo_->list_conversations({}).total, 2);
  add("b", "user", "now visible");
  EXPECT_EQ(visible("b"), 1);
  EXPECT_EQ(repo_->list_conversations({}).total, 3);
}

// The list and search of §8.1 against a reference computed from the data, on enough conversations that
// pages, offsets past the end, and both ways of building a search page (walking the list order for many
// matches, sorting the matches for few) are exercised.
TEST_P(RepositoryTest, ListAndSearchPagesMatchAReferenceModel) {
  struct Expected {
    std::string session;
    int updated;                     // seconds
    std::vector<std::string> texts;  // user/assistant texts
    std::optional<std::string> title;
  };
  std::vector<Expected> model;
  const char* words[] = {"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf"};
  auto at = [](int seconds) {
    return std::chrono::system_clock::time_point(std::chrono::seconds(1700000000 + seconds));
  };
  for (int i = 0; i < 90; ++i) {
    Expected e;
    e.session = "s" + std::to_string(i);
    // Ties on updated_at are broken by session_id.
    e.updated = (i * 7) % 40;
    const int messages = 1 + i % 3;
    for (int k = 0; k < messages; ++k) {
      NewMessage m;
      m.session_id = e.session;
      m.role = k % 2 ? "assistant" : "user";
      std::string text = std::string(words[(i + k) % 7]) + " common " + (i % 10 == 0 ? "rareword" : "x");
      m.content = text;
      m.created_at = at(e.updated);
      repo_->insert_message(m);
      e.texts.push_back(text);
    }
    if (i % 15 == 0) {  // not searched, not counted
      NewMessage m;
      m.session_id = e.session;
      m.role = "system";
      m.content = "alpha bravo charlie delta echo rareword";
      m.created_at = at(e.updated);
      repo_->insert_message(m);
    }
    model.push_back(e);
  }
  // Conversations that are never listed, and titles (set last, which makes them the newest).
  add("sys-only", "system", "rareword alpha");
  repo_->ensure_conversation("empty");
  ASSERT_TRUE(repo_->set_title("sys-only", "Rareword title but hidden"));
  ASSERT_TRUE(repo_->set_title("s5", "Notes about RAREWORD"));
  ASSERT_TRUE(repo_->set_title("s7", "Golf trip"));
  for (auto& e : model) {
    if (e.session == "s5") e.title = "Notes about RAREWORD";
    if (e.session == "s7") e.title = "Golf trip";
  }
  auto updated_of = [&](const Expected& e) {
    return e.title ? repo_->find_conversation(e.session)->updated_at : at(e.updated);
  };

  auto expect_pages = [&](const std::optional<std::string>& q) {
    std::vector<const Expected*> expected;
    const auto terms = q ? search_terms(*q) : std::vector<SearchTerm>{};
    std::vector<bool> hit_by_text;
    for (const auto& e : model) {
      bool text_hit = false;
      if (q && !terms.empty()) {
        for (const auto& t : e.texts) {
          const auto folded = " " + fold_for_search(t);
          bool all = true;
          for (const auto& term : terms) all = all && folded.find(" " + term.front()) != std::string::npos;
          text_hit = text_hit || all;
        }
      }
      const bool title_hit = q && e.title && contains_case_insensitive(*e.title, *q);
      if (!q || text_hit || title_hit) expected.push_back(&e);
      hit_by_text.push_back(text_hit);
    }
    std::stable_sort(expected.begin(), expected.end(), [&](const Expected* a, const Expected* b) {
      const auto ua = updated_of(*a), ub = updated_of(*b);
      if (ua != ub) return ua > ub;
      return a->session < b->session;
    });
    for (const int limit : {1, 7, 50}) {
      for (int offset = 0; offset <= static_cast<int>(expected.size()) + limit; offset += limit) {
        ConversationQuery query;
        query.limit = limit;
        query.offset = offset;
        query.text = q;
        const auto page = repo_->list_conversations(query);
        SCOPED_TRACE("q=" + q.value_or("(none)") + " limit=" + std::to_string(limit) +
                     " offset=" + std::to_string(offset));
        EXPECT_EQ(page.total, static_cast<std::int64_t>(expected.size()));
        const auto want = std::min<std::size_t>(static_cast<std::size_t>(limit),
                                                expected.size() > static_cast<std::size_t>(offset)
                                                    ? expected.size() - static_cast<std::size_t>(offset)
                                                    : 0);
        ASSERT_EQ(page.conversations.size(), want);
        for (std::size_t k = 0; k < want; ++k) {
          const auto& e = *expected[static_cast<std::size_t>(offset) + k];
          const auto& got = page.conversations[k];
          EXPECT_EQ(got.session_id, e.session);
          EXPECT_EQ(got.title.value_or("(none)"), e.title ? *e.title : e.texts.front());
          EXPECT_EQ(got.message_count, static_cast<std::int64_t>(e.texts.size()));
          const bool text_hit = hit_by_text[static_cast<std::size_t>(&e - model.data())];
          EXPECT_EQ(got.snippet.has_value(), text_hit);
          if (got.snippet) {
            bool one_of_its_texts = false;
            for (const auto& t : e.texts) one_of_its_texts = one_of_its_texts || *got.snippet == t;
            EXPECT_TRUE(one_of_its_texts) << *got.snippet;
          }
        }
      }
    }
  };
  expect_pages(std::nullopt);
  expect_pages("common");       // every conversation: the page walks the list order
  expect_pages("rareword");     // few, plus a title match: the matches are sorted
  expect_pages("golf");         // text hits and a title that also matches
  expect_pages("ALPHA comm");   // two tokens in one message
  expect_pages("bravo delta");  // never in one message
  expect_pages("\"*");          // no word at all: titles only
  expect_pages("Notes about");
}

// Conversations whose messages interleave (ids alternate between them), runs of unindexed rows and deleted
// rows (gaps in the ids, near and far hits), dense and sparse prefixes: every matching conversation is
// counted once and listed, its snippet taken from one of its own hits (SQLite walks the message ids).
TEST_P(RepositoryTest, SearchCountsEveryConversationWhenMessageIdsInterleave) {
  constexpr int conversations = 23;
  std::map<std::string, std::vector<std::string>> texts;  // session -> its user/assistant texts
  std::vector<std::pair<std::string, std::string>> deletable;
  for (int j = 0; j < 700; ++j) {
    const auto session = "c" + std::to_string((j * 7) % conversations);
    const auto text = "w" + std::to_string(j % 29) + " filler" + std::to_string(j % 3);
    const bool indexed = j % 50 < 40;  // runs of ten system rows: id gaps of ten and more between hits
    const auto stored =
        add(session, indexed ? (j % 2 ? "assistant" : "user") : "system", boost::json::string(text));
    if (!indexed) continue;
    if (j % 17 == 5) {
      deletable.emplace_back(session, std::to_string(stored.id));
    } else {
      texts[session].push_back(text);
    }
  }
  for (const auto& [session, id] : deletable) ASSERT_EQ(repo_->delete_message_cascade(session, id), 1);
  for (const std::string q : {"w1", "w2", "w13", "w28", "fill", "filler2", "w1 filler1", "w7 filler0", "w"}) {
    std::set<std::string> expected;
    const auto terms = search_terms(q);
    for (const auto& [session, list] : texts) {
      for (const auto& t : list) {
        const auto folded = " " + fold_for_search(t);
        bool all = true;
        for (const auto& term : terms) all = all && folded.find(" " + term.front()) != std::string::npos;
        if (all) expected.insert(session);
      }
    }
    std::set<std::string> found;
    std::int64_t total = -1;
    for (int offset = 0; offset < conversations; offset += 10) {
      ConversationQuery query;
      query.text = q;
      query.limit = 10;
      query.offset = offset;
      const auto page = repo_->list_conversations(query);
      total = page.total;
      for (const auto& c : page.conversations) {
        EXPECT_TRUE(found.insert(c.session_id).second) << q << ": " << c.session_id << " listed twice";
        ASSERT_TRUE(c.snippet) << q << ": " << c.session_id;
        const auto& own = texts[c.session_id];
        EXPECT_NE(std::find(own.begin(), own.end(), *c.snippet), own.end()) << q << ": " << *c.snippet;
      }
    }
    EXPECT_EQ(total, static_cast<std::int64_t>(expected.size())) << q;
    EXPECT_EQ(found, expected) << q;
  }
}

TEST_P(RepositoryTest, SearchMatchesWordPrefixesIgnoringCaseAndDiacritics) {
  add("fr", "user", "Où est le Café Müller? Crème brûlée", "user_1");
  add("fr", "assistant", "Rue Saint-Honoré", "assistant_1", "user_1");
  add("zebra", "user",
      boost::json::parse(
          R"([{"type":"text","text":"Describe this ZEBRA"},{"type":"image_url","image_url":{"url":"https://x/secretword.png"}}])"));
  add("tool", "user", "unrelated");
  add("tool", "tool", "needleintool", std::nullopt, "x");
  add("tool", "system", "needleinsystem");

  EXPECT_THAT(search("cafe"), ElementsAre("fr"));
  EXPECT_THAT(search("CAF"), ElementsAre("fr"));
  EXPECT_THAT(search("creme brul"), ElementsAre("fr"));
  EXPECT_TRUE(search("müller honore").empty());  // every token must be in one message (§8.1)
  EXPECT_THAT(search("müller cafe"), ElementsAre("fr"));
  EXPECT_TRUE(search("afe").empty());  // prefixes, not infixes
  EXPECT_THAT(search("zebr"), ElementsAre("zebra"));
  EXPECT_TRUE(search("secretword").empty());    // image URLs are not searchable text
  EXPECT_TRUE(search("needleintool").empty());  // tool and system rows are not indexed
  EXPECT_TRUE(search("needleinsystem").empty());
  EXPECT_THAT(search("saint-hon"), ElementsAre("fr"));

  ConversationQuery q;
  q.text = "brulee";
  const auto page = repo_->list_conversations(q);
  ASSERT_EQ(page.conversations.size(), 1u);
  EXPECT_EQ(page.total, 1);
  ASSERT_TRUE(page.conversations[0].snippet);
  EXPECT_EQ(*page.conversations[0].snippet, "Où est le Café Müller? Crème brûlée");

  // Deleting the message removes it from the index.
  EXPECT_EQ(repo_->delete_message_cascade("fr", "user_1"), 2);
  EXPECT_TRUE(search("cafe").empty());
}

TEST_P(RepositoryTest, SearchAlsoMatchesTitleSubstrings) {
  add("t", "user", "nothing relevant");
  ASSERT_TRUE(repo_->set_title("t", "Quarterly ÉTÉ report"));
  EXPECT_THAT(search("terly"), ElementsAre("t"));
  EXPECT_THAT(search("été rep"), ElementsAre("t"));
  ConversationQuery q;
  q.text = "terly";
  EXPECT_FALSE(repo_->list_conversations(q).conversations[0].snippet);
}

TEST_P(RepositoryTest, QuerySyntaxCharactersAreNeutralised) {
  add("s", "user", "drop table students; said Robert's mom \"quoted\" near(x) a-b c^d e:f");
  const std::vector<std::string> nasty = {"\"",
                                          "*",
                                          "NEAR(",
                                          "'; DROP TABLE messages; --",
                                          "-",
                                          "^",
                                          ":",
                                          "a:b",
                                          "(",
                                          ")",
                                          "AND",
                                          "OR NOT",
                                          "\"unterminated",
                                          "%",
                                          "_",
                                          "\\",
                                          "'",
                                          "!",
                                          "&",
                                          "|",
                                          "<->",
                                          "'':*",
                                          "{",
                                          "col:val",
                                          "x*y",
                                          "NEAR(a b, 2)",
                                          std::string("\xF0\x9F\x98\x80"),
                                          "\xC3\xA9\xC3\xA9"};
  for (const auto& q : nasty) {
    try {
      search(q);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "query '" << q << "' failed: " << e.what();
    }
  }
  EXPECT_THAT(search("'; DROP"), ElementsAre("s"));
  EXPECT_THAT(search("near("), ElementsAre("s"));
  EXPECT_THAT(search("robert's"), ElementsAre("s"));
  EXPECT_THAT(search("\"quoted\""), ElementsAre("s"));
  EXPECT_THAT(search("c^d"), ElementsAre("s"));
  EXPECT_THAT(search("e:f"), ElementsAre("s"));
  EXPECT_TRUE(search("*").empty());
  EXPECT_EQ(repo_->load_messages("s").size(), 1u);  // nothing was dropped
}

TEST_P(RepositoryTest, ConcurrentWritersNeverFail) {
  constexpr int threads = 8, per_thread = 40;
  std::vector<std::thread> workers;
  std::atomic<int> failures{0};
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        try {
          add("s" + std::to_string(t % 3), "user", boost::json::string("message " + std::to_string(i)),
              "user_" + std::to_string(t) + "_" + std::to_string(i));
          if (i % 10 == 0) repo_->list_conversations({});
        } catch (const std::exception& e) {
          ADD_FAILURE() << e.what();
          ++failures;
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  EXPECT_EQ(failures.load(), 0);
  std::size_t total = 0;
  for (int s = 0; s < 3; ++s) total += repo_->load_messages("s" + std::to_string(s)).size();
  EXPECT_EQ(total, static_cast<std::size_t>(threads * per_thread));
}

TEST_P(RepositoryTest, LoginSessions) {
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  repo_->create_session("h1", now, now + std::chrono::hours(1), "agent");
  repo_->create_session("h2", now - std::chrono::hours(2), now - std::chrono::hours(1), "");
  EXPECT_EQ(repo_->find_session("h1"), now + std::chrono::hours(1));
  EXPECT_FALSE(repo_->find_session("nope"));
  repo_->touch_session("h1", now + std::chrono::minutes(5));
  EXPECT_EQ(repo_->delete_expired_sessions(now), 1);
  EXPECT_FALSE(repo_->find_session("h2"));
  repo_->delete_session("h1");
  EXPECT_FALSE(repo_->find_session("h1"));
  repo_->create_session("h3", now, now + std::chrono::hours(1), "a");
  repo_->create_session("h4", now, now + std::chrono::hours(1), "b");
  repo_->delete_all_sessions();
  EXPECT_FALSE(repo_->find_session("h3"));
  EXPECT_FALSE(repo_->find_session("h4"));
}

TEST_P(RepositoryTest, ApiKeysKeepHashesSettingsAndUsageTotals) {
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  ApiKeyRow k;
  k.id = "abc123";
  k.name = "editor";
  k.key_prefix = "sk-parley-AbCd";
  k.settings = R"({"models":["a/b"]})";
  k.created_at = now;
  repo_->create_api_key(k, "hash-1");
  k.id = "def456";
  k.name = "script";
  k.created_at = now + std::chrono::seconds(1);
  repo_->create_api_key(k, "hash-2");
  EXPECT_FALSE(repo_->find_api_key_by_hash("unknown"));
  auto found = repo_->find_api_key_by_hash("hash-1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, "abc123");
  EXPECT_EQ(found->settings, R"({"models":["a/b"]})");
  EXPECT_EQ(found->created_at, now);
  EXPECT_FALSE(found->revoked_at);
  repo_->record_api_key_usage("abc123", {10, 5, 12300}, now + std::chrono::minutes(1));
  repo_->record_api_key_usage("abc123", {2, 1, 100}, now + std::chrono::minutes(2));
  found = repo_->find_api_key_by_hash("hash-1");
  EXPECT_EQ(found->requests, 2);
  EXPECT_EQ(found->prompt_tokens, 12);
  EXPECT_EQ(found->completion_tokens, 6);
  EXPECT_EQ(found->cost_nanodollars, 12400);
  EXPECT_EQ(found->last_used_at, now + std::chrono::minutes(2));
  const auto list = repo_->list_api_keys();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].id, "def456");  // newest first
  EXPECT_TRUE(repo_->revoke_api_key("abc123", now));
  EXPECT_FALSE(repo_->revoke_api_key("abc123", now));  // already revoked
  EXPECT_FALSE(repo_->revoke_api_key("nope", now));
  EXPECT_EQ(repo_->find_api_key_by_hash("hash-1")->revoked_at, now);
}

TEST_P(RepositoryTest, AttachmentRows) {
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  AttachmentRow a;
  a.attachment_id = "a1";
  a.session_id = "s";
  a.storage_path = "s/a1__f.png";
  a.mime_type = "image/png";
  a.size_bytes = 5;
  a.display_url = a.delivery_url = "/api/files/s/a1__f.png?exp=1&sig=x";
  a.metadata = R"({"mime_type":"image/png","size_bytes":5,"filename":"f.png"})";
  a.created_at = a.last_used_at = now;
  a.expires_at = now - std::chrono::hours(1);
  a.storage_backend = "local";
  repo_->insert_attachment(a);
  EXPECT_TRUE(repo_->find_conversation("s"));  // an upload creates the conversation
  auto found = repo_->find_attachment("a1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->storage_path, a.storage_path);
  EXPECT_EQ(found->expires_at, a.expires_at);
  EXPECT_EQ(found->metadata, a.metadata);
  repo_->touch_attachment("a1", now + std::chrono::minutes(1));
  EXPECT_EQ(repo_->find_attachment("a1")->last_used_at, now + std::chrono::minutes(1));
  repo_->update_attachment_urls("a1", "/api/files/new", "2030-01-01T00:00:00+00:00");
  found = repo_->find_attachment("a1");
  EXPECT_EQ(found->display_url, "/api/files/new");
  EXPECT_EQ(found->signed_url, "/api/files/new");
  EXPECT_EQ(found->signed_url_expires_at, "2030-01-01T00:00:00+00:00");
  const auto expired = repo_->expired_attachments(now, 10);
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].attachment_id, "a1");
  EXPECT_TRUE(repo_->expired_attachments(now - std::chrono::hours(2), 10).empty());
  repo_->delete_attachment("a1");
  EXPECT_FALSE(repo_->find_attachment("a1"));
}

TEST_P(RepositoryTest, PingAnswers) {
  EXPECT_TRUE(repo_->ping());
}

INSTANTIATE_TEST_SUITE_P(Backends, RepositoryTest,
                         ::testing::Values(Repository::Kind::sqlite, Repository::Kind::postgres),
                         [](const ::testing::TestParamInfo<Repository::Kind>& param_info) {
                           return param_info.param == Repository::Kind::sqlite ? std::string("SQLite")
                                                                               : std::string("PostgreSQL");
                         });

}  // namespace
