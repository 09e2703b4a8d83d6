// chat::ConversationService on a temporary SQLite database with local attachment storage: the list, the
// history body, rename with the title rules, export, and the deletes that wait for a running turn.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/json.hpp>

#include "blob/local_blob_store.hpp"
#include "chat/attachment_service.hpp"
#include "chat/conversation_service.hpp"
#include "chat/conversation_title.hpp"
#include "chat/session_turn_locks.hpp"
#include "core/json.hpp"
#include "mcp/strand_event.hpp"
#include "run_awaitable.hpp"
#include "store/open_repository.hpp"
#include "store_test_support.hpp"

using namespace parley;
using test_support::run_awaitable;
namespace bj = boost::json;

namespace {

class ConversationServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = store::test_support::fresh_sqlite_path("conversations");
    repo_ = store::open_sqlite_repository(path_).repository;
    config_.storage = "local";
    config_.blob_dir = path_.parent_path() / "blobs";
    attachments_ = std::make_unique<chat::AttachmentService>(
        config_, *repo_, blocking_,
        std::make_unique<blob::LocalBlobStore>(config_.blob_dir, std::string(32, 'k'), false, blocking_),
        nullptr, nullptr);
    service_ = std::make_unique<chat::ConversationService>(*repo_, blocking_, locks_, *attachments_);
  }
  void TearDown() override {
    service_.reset();
    attachments_.reset();
    repo_.reset();
    std::filesystem::remove_all(path_.parent_path());
  }

  store::StoredMessage add(const std::string& session, const std::string& role, const std::string& text,
                           std::optional<std::string> client = std::nullopt,
                           std::optional<std::string> parent = std::nullopt) {
    store::NewMessage m;
    m.session_id = session;
    m.role = role;
    m.content = text;
    m.client_message_id = std::move(client);
    m.parent_client_message_id = std::move(parent);
    return repo_->insert_message(m);
  }
  bj::object history(const std::string& session, store::MessageRange range = {}) {
    const auto body = run_awaitable(io_, service_->history_body(session, range, "http://parley.test"));
    EXPECT_TRUE(body);
    const auto parsed = body ? json::parse(*body) : std::nullopt;
    EXPECT_TRUE(parsed && parsed->is_object());
    return parsed && parsed->is_object() ? parsed->as_object() : bj::object{};
  }

  std::filesystem::path path_;
  std::unique_ptr<store::Repository> repo_;
  Config config_;
  parley::BlockingPool blocking_{2};
  chat::SessionTurnLocks locks_;
  std::unique_ptr<chat::AttachmentService> attachments_;
  std::unique_ptr<chat::ConversationService> service_;
  boost::asio::io_context io_;
};

// Holds the session's turn lock until `release` is notified (a turn still storing its rows).
boost::asio::awaitable<void> hold_turn(chat::SessionTurnLocks* locks, std::string session,
                                       mcp::StrandEvent* release, bool* holding) {
  const auto guard = co_await locks->acquire(std::move(session));
  *holding = true;
  co_await release->wait_until();
}

boost::asio::awaitable<void> remove_then_mark(chat::ConversationService* service, std::string session,
                                              bool* done) {
  co_await service->remove(std::move(session));
  *done = true;
}

TEST_F(ConversationServiceTest, ListsVisibleConversationsNewestFirstAndSearches) {
  add("empty-but-system", "system", "You are helpful.");
  add("older", "user", "apples and pears");
  add("newer", "user", "bananas");
  add("newer", "assistant", "yellow fruit");
  const auto page = run_awaitable(io_, service_->list({}));
  ASSERT_EQ(page.conversations.size(), 2u);
  EXPECT_EQ(page.total, 2);
  EXPECT_EQ(page.conversations[0].session_id, "newer");
  EXPECT_EQ(page.conversations[0].message_count, 2);
  EXPECT_EQ(page.conversations[1].session_id, "older");

  store::ConversationQuery q;
  q.text = "pea";
  const auto found = run_awaitable(io_, service_->list(q));
  ASSERT_EQ(found.conversations.size(), 1u);
  EXPECT_EQ(found.conversations[0].session_id, "older");
  ASSERT_TRUE(found.conversations[0].snippet);
}

TEST_F(ConversationServiceTest, TheHistoryBodyHoldsTheConversationAndItsMessagesInOrder) {
  const auto first = add("s1", "user", "Hello");
  const auto second = add("s1", "assistant", "Hi there");
  add("s1", "user", "Bye");
  const auto body = history("s1");
  EXPECT_EQ(body.at("session_id"), "s1");
  EXPECT_EQ(body.at("title"), "Hello") << "derived from the first user message";
  ASSERT_TRUE(body.at("created_at").is_string());
  const auto& messages = body.at("messages").as_array();
  ASSERT_EQ(messages.size(), 3u);
  EXPECT_EQ(messages[0].as_object().at("message_id"), first.id);
  EXPECT_EQ(messages[1].as_object().at("role"), "assistant");
  EXPECT_EQ(messages[1].as_object().at("content"), "Hi there");

  store::MessageRange range;
  range.after_id = first.id;
  range.limit = 1;
  const auto page = history("s1", range);
  ASSERT_EQ(page.at("messages").as_array().size(), 1u);
  EXPECT_EQ(page.at("messages").as_array()[0].as_object().at("message_id"), second.id);
}

TEST_F(ConversationServiceTest, UnknownAndUnusableSessionsHaveNoHistory) {
  EXPECT_FALSE(run_awaitable(io_, service_->history_body("nobody", {}, "http://parley.test")));
  EXPECT_FALSE(run_awaitable(io_, service_->history_body("bad\xff", {}, "http://parley.test")));
  EXPECT_FALSE(run_awaitable(io_, service_->export_conversation("nobody", chat::ExportFormat::json, "")));
  EXPECT_FALSE(run_awaitable(io_, service_->rename("nobody", std::string("Title"))));
}

TEST_F(ConversationServiceTest, RenameTrimsAndABlankTitleRemovesTheCustomOne) {
  add("s1", "user", "What is a monad?");
  const auto renamed = run_awaitable(io_, service_->rename("s1", std::string("  Monads \t\n")));
  ASSERT_TRUE(renamed);
  EXPECT_EQ(renamed->title, "Monads");
  EXPECT_EQ(repo_->find_conversation("s1")->custom_title, "Monads");
  const auto cleared = run_awaitable(io_, service_->rename("s1", std::string("   ")));
  ASSERT_TRUE(cleared);
  EXPECT_EQ(cleared->title, "What is a monad?") << "back to the derived title";
  EXPECT_FALSE(repo_->find_conversation("s1")->custom_title);
  ASSERT_TRUE(run_awaitable(io_, service_->rename("s1", std::string("Again"))));
  ASSERT_TRUE(run_awaitable(io_, service_->rename("s1", std::nullopt)));
  EXPECT_FALSE(repo_->find_conversation("s1")->custom_title);
}

TEST(ConversationTitle, ControlCharactersAndLengthAreJudgedAfterTrimming) {
  EXPECT_EQ(chat::title_problem("  fine title \n"), std::nullopt);
  EXPECT_EQ(chat::title_problem("tab\tinside"), chat::TitleProblem::control_characters);
  EXPECT_EQ(chat::title_problem("del\x7f"), chat::TitleProblem::control_characters);
  EXPECT_EQ(chat::title_problem("c1 \xc2\x85 next line"), chat::TitleProblem::control_characters);
  EXPECT_EQ(chat::title_problem("caf\xc3\xa9"), std::nullopt);
  std::string accents;
  for (int i = 0; i < 200; ++i) accents += "\xc3\xa9";  // 200 characters, 400 bytes
  EXPECT_EQ(chat::title_problem(" " + accents + " "), std::nullopt);
  EXPECT_EQ(chat::title_problem(accents + "e"), chat::TitleProblem::too_long);
  EXPECT_EQ(chat::stored_title(" \t "), std::nullopt);
  EXPECT_EQ(chat::stored_title(" a b "), "a b");
}

TEST_F(ConversationServiceTest, ExportsJsonAndMarkdown) {
  add("s/1", "user", "Hello");
  add("s/1", "assistant", "Hi there");
  ASSERT_TRUE(run_awaitable(io_, service_->rename("s/1", std::string("Greetings"))));
  const auto as_json = run_awaitable(io_, service_->export_conversation("s/1", chat::ExportFormat::json, ""));
  ASSERT_TRUE(as_json);
  EXPECT_EQ(as_json->file_name, "parley-s_1.json");
  const auto doc = json::parse(as_json->body);
  ASSERT_TRUE(doc && doc->is_object());
  std::vector<std::string> keys;
  for (const auto& kv : doc->as_object()) keys.emplace_back(kv.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"session_id", "title", "created_at", "updated_at", "exported_at",
                                            "messages"}));
  EXPECT_EQ(doc->as_object().at("title"), "Greetings");
  EXPECT_EQ(doc->as_object().at("messages").as_array().size(), 2u);

  const auto as_markdown =
      run_awaitable(io_, service_->export_conversation("s/1", chat::ExportFormat::markdown, ""));
  ASSERT_TRUE(as_markdown);
  EXPECT_EQ(as_markdown->file_name, "parley-s_1.md");
  EXPECT_TRUE(as_markdown->body.starts_with("# Greetings\n")) << as_markdown->body;
  EXPECT_NE(as_markdown->body.find("## Assistant"), std::string::npos);
  EXPECT_NE(as_markdown->body.find("Hi there"), std::string::npos);
}

TEST_F(ConversationServiceTest, DeletingAConversationWaitsForItsTurnAndRemovesItsAttachmentObjects) {
  add("s1", "user", "Look at this");
  chat::NewAttachment upload{"s1", "note.txt", "text/plain", "some bytes"};
  const auto stored = run_awaitable(io_, attachments_->store_upload(std::move(upload)));
  ASSERT_TRUE(stored) << stored.error().detail;
  const auto object = config_.blob_dir / stored->storage_path;
  ASSERT_TRUE(std::filesystem::exists(object));

  mcp::StrandEvent release;
  bool holding = false, done = false;
  boost::asio::co_spawn(io_, hold_turn(&locks_, "s1", &release, &holding), boost::asio::detached);
  boost::asio::co_spawn(io_, remove_then_mark(service_.get(), "s1", &done), boost::asio::detached);
  io_.restart();  // the upload above ran it to completion
  io_.poll();
  ASSERT_TRUE(holding);
  // The turn still holds the session: nothing may be deleted under it.
  EXPECT_FALSE(done);
  EXPECT_TRUE(repo_->find_conversation("s1"));
  release.notify_all();
  io_.run();
  EXPECT_TRUE(done);
  EXPECT_FALSE(repo_->find_conversation("s1"));
  EXPECT_FALSE(repo_->find_attachment(stored->attachment_id));
  EXPECT_FALSE(std::filesystem::exists(object));
  // Deleting what is not there (again, or an id that cannot be stored) is no error.
  run_awaitable(io_, service_->remove("s1"));
  run_awaitable(io_, service_->remove("bad\xff"));
}

TEST_F(ConversationServiceTest, DeletingAMessageTakesItsDescendantsAlong) {
  add("s1", "user", "Question", "u1");
  add("s1", "assistant", "Answer", "a1", "u1");
  add("s1", "user", "Follow-up", "u2", "a1");
  add("s1", "user", "Other branch", "u3");
  EXPECT_FALSE(run_awaitable(io_, service_->remove_message("s1", "nothing")));
  EXPECT_TRUE(run_awaitable(io_, service_->remove_message("s1", "u1")));
  const auto left = repo_->load_messages("s1");
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].client_message_id, "u3");
}

TEST_F(ConversationServiceTest, TheStoreAnswersWithinItsBudget) {
  EXPECT_TRUE(run_awaitable(io_, service_->store_answers(std::chrono::seconds(2))));
}

}  // namespace
