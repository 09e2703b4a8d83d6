// The conversation logs of api.md §6.3: one file per session and day, started with the whole conversation and
// then appended with what each turn stored (not the whole history again in a new file every turn).
#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "chat/conversation_log.hpp"

namespace parley::chat {
namespace {

namespace fs = std::filesystem;

StoredMessage row(std::int64_t id, std::string role, std::string text) {
  StoredMessage m;
  m.id = id;
  m.session_id = "s1";
  m.role = std::move(role);
  m.content = boost::json::string(text);
  m.created_at = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  return m;
}

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

class ConversationLogTest : public ::testing::Test {
 protected:
  ConversationLogTest() {
    static std::atomic<int> counter{0};
    dir_ = fs::temp_directory_path() /
           ("parley-conversation-log-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(dir_);
  }
  ~ConversationLogTest() override { fs::remove_all(dir_); }

  // The stored conversation the loader serves, and what it was asked for.
  std::vector<StoredMessage> stored_;
  std::vector<std::optional<std::int64_t>> asked_;
  ConversationLogBook::LoadRows loader() {
    return [this](std::optional<std::int64_t> after) {
      asked_.push_back(after);
      std::vector<StoredMessage> out;
      for (const auto& m : stored_)
        if (!after || m.id > *after) out.push_back(m);
      return out;
    };
  }
  std::vector<fs::path> files() const {
    std::vector<fs::path> out;
    if (!fs::exists(dir_)) return out;
    for (const auto& e : fs::recursive_directory_iterator(dir_))
      if (e.is_regular_file()) out.push_back(e.path());
    return out;
  }

  fs::path dir_;
};

TEST_F(ConversationLogTest, LaterTurnsAppendOnlyWhatTheyStoredToTheSessionsFileOfTheDay) {
  ConversationLogBook book;
  stored_ = {row(1, "system", "time context"), row(2, "user", "first question"),
             row(3, "assistant", "first answer")};
  book.write_turn(dir_, "s1", "req-1", loader());
  ASSERT_EQ(files().size(), 1u);
  const auto file = files().front();
  EXPECT_EQ(file.parent_path().parent_path(), dir_);  // <dir>/YYYY-MM-DD/
  EXPECT_TRUE(file.filename().string().starts_with("session_"));
  EXPECT_TRUE(file.filename().string().ends_with("_s1.log"));

  stored_.push_back(row(7, "user", "second question"));
  stored_.push_back(row(8, "assistant", "second answer"));
  book.write_turn(dir_, "s1", "req-2", loader());

  ASSERT_EQ(files().size(), 1u) << "one file per session and day, not one per turn";
  ASSERT_EQ(asked_.size(), 2u);
  EXPECT_FALSE(asked_[0]) << "the first write of the day has the whole conversation";
  EXPECT_EQ(asked_[1], std::optional<std::int64_t>(3))
      << "a later turn reads only the rows after the last logged";
  const auto text = read(file);
  for (const char* s : {"first question", "first answer", "second question", "second answer",
                        "request: req-1", "request: req-2", "messages: 3", "new messages: 2"})
    EXPECT_EQ(count(text, s), 1u) << s << " in\n" << text;
  EXPECT_LT(text.find("first answer"), text.find("request: req-2"));
  EXPECT_LT(text.find("request: req-2"), text.find("second question"));
  EXPECT_EQ(book.remembered(), 1u);
}

TEST_F(ConversationLogTest, ATurnThatStoredNothingNewAppendsItsHeaderOnly) {
  ConversationLogBook book;
  stored_ = {row(1, "user", "q"), row(2, "assistant", "a")};
  book.write_turn(dir_, "s1", "req-1", loader());
  book.write_turn(dir_, "s1", "req-2", loader());
  book.write_turn(dir_, "s1", "req-3", loader());
  ASSERT_EQ(files().size(), 1u);
  const auto text = read(files().front());
  EXPECT_EQ(count(text, "--- #2 assistant"), 1u);
  EXPECT_EQ(count(text, "new messages: 0"), 2u);
  EXPECT_EQ(asked_.back(), std::optional<std::int64_t>(2));
}

TEST_F(ConversationLogTest, AFileThatIsGoneIsStartedAgainWithTheWholeConversation) {
  ConversationLogBook book;
  stored_ = {row(1, "user", "q1"), row(2, "assistant", "a1")};
  book.write_turn(dir_, "s1", "req-1", loader());
  ASSERT_EQ(files().size(), 1u);
  fs::remove(files().front());

  stored_.push_back(row(3, "user", "q2"));
  book.write_turn(dir_, "s1", "req-2", loader());
  ASSERT_EQ(files().size(), 1u);
  const auto text = read(files().front());
  EXPECT_EQ(count(text, "q1"), 1u) << text;
  EXPECT_EQ(count(text, "q2"), 1u) << text;
  EXPECT_EQ(count(text, "messages: 3"), 1u) << text;
  EXPECT_EQ(asked_.back(), std::nullopt);
}

TEST_F(ConversationLogTest, ASessionForgottenForRoomStartsANewFileWithTheWholeConversation) {
  ConversationLogBook book(1);
  stored_ = {row(1, "user", "q1")};
  book.write_turn(dir_, "s1", "req-1", loader());
  book.write_turn(dir_, "s2", "req-2", loader());  // s1 forgotten: the book holds one session
  EXPECT_EQ(book.remembered(), 1u);
  book.write_turn(dir_, "s1", "req-3", loader());
  EXPECT_EQ(asked_.back(), std::nullopt) << "a forgotten session is read whole again";
}

TEST_F(ConversationLogTest, SecretsInAnAppendedTurnAreRedacted) {
  ConversationLogBook book;
  stored_ = {row(1, "user", "hello")};
  book.write_turn(dir_, "s1", "req-1", loader());
  // A provider-key shape, built here so that no key-like literal is in the source.
  const std::string body(36, 'q');
  stored_.push_back(row(2, "user", "my key is " + std::string("sk-") + "or-v1-" + body));
  book.write_turn(dir_, "s1", "req-2", loader());
  ASSERT_EQ(files().size(), 1u);
  const auto text = read(files().front());
  EXPECT_NE(text.find("my key is"), std::string::npos) << text;
  EXPECT_EQ(text.find(body), std::string::npos) << text;
}

TEST_F(ConversationLogTest, ALoaderThatFailsWritesNothingAndTheNextTurnStartsWhole) {
  ConversationLogBook book;
  stored_ = {row(1, "user", "q1")};
  book.write_turn(dir_, "s1", "req-1", loader());
  book.write_turn(dir_, "s1", "req-2", [](std::optional<std::int64_t>) -> std::vector<StoredMessage> {
    throw std::runtime_error("database gone");
  });
  EXPECT_EQ(book.remembered(), 0u);
  book.write_turn(dir_, "s1", "req-3", loader());
  EXPECT_EQ(asked_.back(), std::nullopt);
}

TEST_F(ConversationLogTest, AForgottenSessionStartsANewFileWithTheConversationAsItIsNow) {
  ConversationLogBook book;
  stored_ = {row(1, "user", "kept question"), row(2, "assistant", "kept answer"),
             row(3, "user", "deleted one")};
  book.write_turn(dir_, "s1", "req-1", loader());
  stored_.pop_back();  // a message deleted between turns
  book.forget("s1");   // what the delete routes do
  stored_.push_back(row(4, "user", "next question"));
  book.write_turn(dir_, "s1", "req-2", loader());
  EXPECT_EQ(asked_.back(), std::nullopt);
  bool found = false;
  for (const auto& f : files()) {
    const auto text = read(f);
    if (text.find("request: req-2") == std::string::npos) continue;
    found = true;
    EXPECT_EQ(text.find("deleted one"), std::string::npos) << text;
    EXPECT_NE(text.find("kept answer"), std::string::npos) << text;
    EXPECT_NE(text.find("next question"), std::string::npos) << text;
  }
  EXPECT_TRUE(found);
}

// A private key pasted over two messages: the redactor masks from BEGIN to END only when both are in the text
// it sees, so the part after a turn that ends inside a key is not appended alone.
TEST_F(ConversationLogTest, APrivateKeySplitOverTwoTurnsIsRedactedWhole) {
  ConversationLogBook book;
  // The armour lines are split so that no key-like literal is in the source; the body is not a key.
  const std::string begin = std::string("-----BEGIN ") + "PRIVATE KEY-----";
  const std::string end = std::string("-----END ") + "PRIVATE KEY-----";
  stored_ = {row(1, "user", "first half:\n" + begin + "\nfirsthalfofthekeybodyAAAA")};
  book.write_turn(dir_, "s1", "req-1", loader());
  stored_.push_back(row(2, "user", "secondhalfofthekeybodyBBBB\n" + end + "\nthanks"));
  book.write_turn(dir_, "s1", "req-2", loader());
  ASSERT_FALSE(files().empty());
  for (const auto& f : files()) {
    const auto text = read(f);
    EXPECT_EQ(text.find("firsthalfofthekeybody"), std::string::npos) << text;
    EXPECT_EQ(text.find("secondhalfofthekeybody"), std::string::npos) << text;
  }
  // Once the key is closed the session's file is appended to again.
  stored_.push_back(row(3, "user", "plain"));
  book.write_turn(dir_, "s1", "req-3", loader());
  EXPECT_EQ(asked_.back(), std::optional<std::int64_t>(2));
}

TEST_F(ConversationLogTest, SessionsWrittenFromSeveralThreadsAtOnceEachKeepTheirOwnWholeLog) {
  ConversationLogBook book;
  constexpr int kThreads = 4, kTurns = 30;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&book, t, this] {
      const std::string session = "t" + std::to_string(t);
      std::vector<StoredMessage> rows;
      for (int i = 1; i <= kTurns; ++i) {
        rows.push_back(row(i, "user", session + " turn " + std::to_string(i) + "."));
        book.write_turn(dir_, session, "req", [&rows](std::optional<std::int64_t> after) {
          std::vector<StoredMessage> out;
          for (const auto& m : rows)
            if (!after || m.id > *after) out.push_back(m);
          return out;
        });
      }
    });
  }
  for (auto& t : threads) t.join();
  std::map<std::string, std::string> all;  // session -> every file's text
  for (const auto& f : files())
    all[f.filename().string().substr(f.filename().string().rfind('_') + 1)] += read(f);
  ASSERT_EQ(all.size(), static_cast<std::size_t>(kThreads));
  for (int t = 0; t < kThreads; ++t) {
    const auto& text = all["t" + std::to_string(t) + ".log"];
    for (int i = 1; i <= kTurns; ++i)
      EXPECT_GE(count(text, "t" + std::to_string(t) + " turn " + std::to_string(i) + "."), 1u) << i;
    for (int o = 0; o < kThreads; ++o) {
      if (o != t) {
        EXPECT_EQ(count(text, "t" + std::to_string(o) + " turn"), 0u);
      }
    }
  }
}

}  // namespace
}  // namespace parley::chat
