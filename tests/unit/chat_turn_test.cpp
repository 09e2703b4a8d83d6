// The chat turn on a scripted provider and scripted tools, with a real SQLite history: the event order of
// api.md §3.6, the failures of §3.7, the retry without tools, cancellation (§3.8) and tool calls in the
// model's order.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string_view>

#include "chat/chat_orchestrator.hpp"
#include "chat_fakes.hpp"
#include "llm/model_catalog.hpp"
#include "net/http_client.hpp"
#include "store_test_support.hpp"

namespace parley::chat {
namespace {

using namespace testing;
using Kind = llm::ProviderError::Kind;

class FakeSettings final : public ModelSettingsView {
 public:
  ActiveModelSettings current;
  ActiveModelSettings active() override { return current; }
  void remember_supports_tools(const std::string&, bool) override {}
};

// "session", "message", "message [DONE]", "tool started a", ...: an event's name and what tells it apart.
std::string label(const Event& e) {
  if (e.name == "message" && e.data == "[DONE]") return "[DONE]";
  if (e.name == "tool") {
    const auto o = e.json().as_object();
    std::string out = "tool " + std::string(o.at("status").as_string());
    if (o.at("name").as_string() != "system") out += " " + std::string(o.at("name").as_string());
    return out;
  }
  return e.name;
}

std::vector<std::string> labels(const std::vector<Event>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(label(e));
  return out;
}

std::vector<std::string> roles(const std::vector<store::StoredMessage>& rows) {
  std::vector<std::string> out;
  for (const auto& r : rows) out.push_back(r.role);
  return out;
}

bj::object user_turn(const std::string& session_id, const std::string& text = "hi") {
  return bj::object{{"session_id", session_id},
                    {"messages", bj::array{bj::object{{"role", "user"}, {"content", text}}}},
                    {"metadata", bj::object{{"client_assistant_message_id", "client-a1"}}}};
}

class ChatTurnTest : public ::testing::Test {
 protected:
  ChatTurnTest() {
    const auto db = store::test_support::fresh_sqlite_path("chat-turn");
    dir_ = db.parent_path();
    repo_ = store::open_sqlite_repository(db, 1).repository;
    config_.conversation_log_dir = dir_ / "conversations";
    settings_.current.model = "test/model";
    tools_.add("calc__add");
    tools_.add("calc__mul");
  }
  ~ChatTurnTest() override {
    repo_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::vector<Event> turn(bj::object body, RecordingSink& sink) {
    ChatOrchestrator orchestrator(
        {config_, blocking_, provider_, downloads_, catalog_, *repo_, settings_, locks_, &tools_, nullptr});
    auto request = validate_chat_request(body);
    EXPECT_TRUE(request.has_value());
    run_to_end(ioc_, orchestrator.run_turn(std::move(*request), "req-1", sink));
    return sink.events();
  }
  std::vector<Event> turn(bj::object body) { return turn(std::move(body), sink_); }

  std::vector<store::StoredMessage> rows(const std::string& session_id) {
    return repo_->load_messages(session_id);
  }

  // Everything in the conversation logs' folder now (api.md §6.3), files in name order.
  std::string conversation_logs() const {
    std::vector<std::filesystem::path> files;
    std::error_code ec;
    for (std::filesystem::recursive_directory_iterator it(dir_ / "conversations", ec), end; !ec && it != end;
         it.increment(ec))
      if (it->is_regular_file()) files.push_back(it->path());
    std::sort(files.begin(), files.end());
    std::string text;
    for (const auto& f : files) {
      std::ifstream in(f, std::ios::binary);
      text += std::string(std::istreambuf_iterator<char>(in), {});
    }
    return text;
  }

  // What the conversation logs held when `[DONE]` was sent (§3.2 step 9: the log is written first).
  std::optional<std::string> logs_at_done;
  void watch_for_done() {
    sink_.leave_when = [this](const std::string& frame) {
      if (frame.find("data: [DONE]") != std::string::npos) logs_at_done = conversation_logs();
      return false;
    };
  }

  std::filesystem::path dir_;
  Config config_;
  parley::BlockingPool blocking_{1};
  asio::io_context ioc_;
  net::HttpClient http_{ioc_};
  net::OutboundFetcher downloads_{http_, {}};
  FakeProvider provider_;
  llm::ModelCatalog catalog_{provider_};
  std::unique_ptr<store::Repository> repo_;
  FakeSettings settings_;
  SessionTurnLocks locks_;
  ScriptedTools tools_;
  RecordingSink sink_;
};

TEST_F(ChatTurnTest, OneHopStreamsInTheSpecsOrderAndIsStored) {
  provider_.replies.push_back(
      ScriptedReply::body({content_chunk("Hel") + content_chunk("lo"), finish_chunk(), kDone}));
  const auto events = turn(user_turn("s1"));

  EXPECT_EQ(labels(events),
            (std::vector<std::string>{"session", "message", "message", "message", "metadata", "[DONE]"}));
  EXPECT_EQ(events[0].json(), (bj::value(bj::object{{"session_id", "s1"}})));
  const auto stored = rows("s1");
  ASSERT_EQ(roles(stored), (std::vector<std::string>{"system", "user", "assistant"}));
  EXPECT_EQ(stored[2].content, bj::value("Hello"));
  EXPECT_EQ(stored[2].metadata.at("finish_reason"), bj::value("stop"));
  EXPECT_EQ(stored[2].client_message_id, "client-a1");

  const auto metadata = events[4].json().as_object();
  EXPECT_EQ(metadata.at("message_id"), bj::value(stored[2].id));
  EXPECT_EQ(metadata.at("finish_reason"), bj::value("stop"));
  EXPECT_EQ(metadata.at("tool_calls"), bj::value(nullptr));
  EXPECT_EQ(metadata.at("usage").at("completion_tokens"), bj::value(2));

  // The upstream request (§3.3): the stored model, streaming with usage, the history, the tools.
  ASSERT_EQ(provider_.requests.size(), 1u);
  const auto& sent = provider_.requests[0];
  EXPECT_EQ(sent.at("model"), bj::value("test/model"));
  EXPECT_EQ(sent.at("stream"), bj::value(true));
  EXPECT_EQ(sent.at("messages").as_array().size(), 2u);
  EXPECT_EQ(sent.at("tools").as_array().size(), 2u);
  EXPECT_EQ(sent.at("tool_choice"), bj::value("auto"));
  EXPECT_FALSE(sent.contains("session_id"));
}

TEST_F(ChatTurnTest, ToolCallsRunInTheModelsOrderThenTheNextHopAnswers) {
  // The second call starts before the first one's arguments are complete: fragments join by index.
  provider_.replies.push_back(
      ScriptedReply::body({tool_call_chunk(0, "call-a", "calc__add", R"({"x":)") +
                               tool_call_chunk(1, "call-b", "calc__mul", "{}"),
                           tool_call_chunk(0, "", "", "1}") + finish_chunk("tool_calls"), kDone}));
  provider_.replies.push_back(ScriptedReply::body({content_chunk("Both done") + finish_chunk(), kDone}));
  const auto events = turn(user_turn("s2"));

  EXPECT_EQ(labels(events), (std::vector<std::string>{
                                "session", "message", "message", "message", "message", "metadata",
                                "tool started calc__add", "tool finished calc__add", "tool started calc__mul",
                                "tool finished calc__mul", "message", "message", "metadata", "[DONE]"}));
  ASSERT_EQ(tools_.calls.size(), 2u);
  EXPECT_EQ(tools_.calls[0].first, "calc__add");
  EXPECT_EQ(tools_.calls[0].second, (bj::object{{"x", 1}}));
  EXPECT_EQ(tools_.calls[1].first, "calc__mul");

  const auto stored = rows("s2");
  ASSERT_EQ(roles(stored),
            (std::vector<std::string>{"system", "user", "assistant", "tool", "tool", "assistant"}));
  EXPECT_EQ(stored[3].tool_call_id, "call-a");
  EXPECT_EQ(stored[3].content, bj::value("calc__add result"));
  EXPECT_EQ(stored[3].metadata.at("tool_status"), bj::value("finished"));
  EXPECT_EQ(stored[4].tool_call_id, "call-b");
  EXPECT_LT(stored[3].id, stored[4].id);
  EXPECT_EQ(events[7].json().at("message_id"), bj::value(stored[3].id));
  EXPECT_EQ(events[9].json().at("message_id"), bj::value(stored[4].id));
  EXPECT_EQ(stored[5].content, bj::value("Both done"));

  // The next hop sends the calls and their answers back, in the same order.
  ASSERT_EQ(provider_.requests.size(), 2u);
  const auto& history = provider_.requests[1].at("messages").as_array();
  ASSERT_EQ(history.size(), 5u);
  EXPECT_EQ(history[2].at("tool_calls").as_array().size(), 2u);
  EXPECT_EQ(history[3].at("tool_call_id"), bj::value("call-a"));
  EXPECT_EQ(history[4].at("tool_call_id"), bj::value("call-b"));
}

TEST_F(ChatTurnTest, AToolRefusalIsRetriedOnceWithoutTools) {
  const std::string refusal =
      R"({"error":{"message":"No endpoints found that support tool use","code":404}})";
  provider_.replies.push_back(ScriptedReply::refused(404, refusal));
  provider_.replies.push_back(ScriptedReply::body({content_chunk("Plain answer") + finish_chunk(), kDone}));
  const auto events = turn(user_turn("s3"));

  EXPECT_EQ(labels(events),
            (std::vector<std::string>{"session", "tool notice", "message", "message", "metadata", "[DONE]"}));
  EXPECT_EQ(events[1].json().at("message"),
            bj::value("Tools unavailable for this model; continuing without them."));
  ASSERT_EQ(provider_.requests.size(), 2u);
  EXPECT_TRUE(provider_.requests[0].contains("tools"));
  EXPECT_FALSE(provider_.requests[1].contains("tools"));
  EXPECT_FALSE(provider_.requests[1].contains("tool_choice"));
  EXPECT_EQ(roles(rows("s3")), (std::vector<std::string>{"system", "user", "assistant"}));
}

TEST_F(ChatTurnTest, ASecondToolRefusalFailsTheTurn) {
  const std::string refusal =
      R"({"error":{"message":"No endpoints found that support tool use","code":404}})";
  provider_.replies.push_back(ScriptedReply::refused(404, refusal));
  provider_.replies.push_back(ScriptedReply::refused(404, refusal));
  const auto events = turn(user_turn("s4"));

  EXPECT_EQ(labels(events),
            (std::vector<std::string>{"session", "tool notice", "metadata", "error", "message", "[DONE]"}));
  EXPECT_EQ(events[3].json().at("status"), bj::value(404));
  EXPECT_EQ(provider_.requests.size(), 2u);
}

TEST_F(ChatTurnTest, TheHopLimitStopsToolExecution) {
  config_.max_tool_hops = 0;
  provider_.replies.push_back(ScriptedReply::body(
      {tool_call_chunk(0, "call-a", "calc__add", "{}") + finish_chunk("tool_calls"), kDone}));
  const auto events = turn(user_turn("s5"));

  EXPECT_EQ(labels(events),
            (std::vector<std::string>{"session", "message", "message", "metadata", "tool error", "[DONE]"}));
  EXPECT_EQ(events[4].json().at("message"), bj::value("Tool execution stopped after hop limit"));
  EXPECT_TRUE(tools_.calls.empty());
}

TEST_F(ChatTurnTest, AnEmptyMessageListFailsAndStoresNothing) {
  const auto events = turn(bj::object{{"session_id", "s6"}, {"messages", bj::array{}}});

  EXPECT_EQ(labels(events), (std::vector<std::string>{"error", "message", "[DONE]"}));
  EXPECT_EQ(events[0].json().at("code"), bj::value("invalid_request"));
  EXPECT_EQ(events[1].json().at("choices").at(0).at("delta").at("content"),
            bj::value("Error: At least one message is required to start a turn"));
  EXPECT_TRUE(rows("s6").empty());
  EXPECT_TRUE(provider_.requests.empty());
}

// One row of the failure table of §3.7, as the whole turn reports it.
struct FailureCase {
  const char* name;
  std::function<void(FakeProvider&)> script;
  bj::value status;
  bj::value code;
  bool retryable;
  std::string detail;
  bj::value stored_content;  // what the failed hop produced
};

class ChatTurnFailureTest : public ChatTurnTest, public ::testing::WithParamInterface<FailureCase> {};

TEST_P(ChatTurnFailureTest, FailsWithTheSpecsEventsAndStoresTheHop) {
  const auto& c = GetParam();
  c.script(provider_);
  const auto events = turn(user_turn("s-fail"));

  const auto all = labels(events);
  ASSERT_GE(all.size(), 5u);
  EXPECT_EQ(std::vector<std::string>(all.end() - 4, all.end()),
            (std::vector<std::string>{"metadata", "error", "message", "[DONE]"}));
  const auto error = events[events.size() - 3].json().as_object();
  EXPECT_EQ(error.at("status"), c.status);
  EXPECT_EQ(error.at("code"), c.code);
  EXPECT_EQ(error.at("retryable"), bj::value(c.retryable));
  EXPECT_EQ(events[events.size() - 2].json().at("choices").at(0).at("delta").at("content"),
            bj::value("Error: " + c.detail));

  const auto stored = rows("s-fail");
  ASSERT_EQ(roles(stored), (std::vector<std::string>{"system", "user", "assistant"}));
  EXPECT_EQ(stored[2].content, c.stored_content);
  EXPECT_EQ(stored[2].metadata.at("finish_reason"), bj::value("error"));
  EXPECT_EQ(stored[2].metadata.at("error"), bj::value(error));
  EXPECT_FALSE(stored[2].metadata.contains("tool_calls"));
  EXPECT_EQ(events[events.size() - 4].json().at("message_id"), bj::value(stored[2].id));
}

const std::string kInBandError =
    sse(bj::object{{"error", bj::object{{"message", "Model crashed"}, {"code", "server_error"}}}});

INSTANTIATE_TEST_SUITE_P(
    FailureTable, ChatTurnFailureTest,
    ::testing::Values(
        FailureCase{"http_error",
                    [](FakeProvider& p) {
                      p.replies.push_back(
                          ScriptedReply::refused(500, R"({"error":{"message":"Internal","code":500}})"));
                    },
                    bj::value(500), bj::value(500), true, R"({"message":"Internal","code":500})", nullptr},
        FailureCase{"in_band_error",
                    [](FakeProvider& p) {
                      p.replies.push_back(ScriptedReply::body({content_chunk("Part"), kInBandError}));
                    },
                    nullptr, bj::value("server_error"), false, "Model crashed", bj::value("Part")},
        FailureCase{
            "disconnect",
            [](FakeProvider& p) { p.replies.push_back(ScriptedReply::body({content_chunk("Part")})); },
            bj::value(502), bj::value("upstream_disconnected"), true,
            "Upstream closed the stream before it finished", bj::value("Part")},
        FailureCase{"timeout",
                    [](FakeProvider& p) {
                      p.replies.push_back(
                          ScriptedReply::failed(provider_error(Kind::timeout, "no response", 30)));
                    },
                    bj::value(504), bj::value("upstream_timeout"), true,
                    "Upstream did not respond within 30 seconds", nullptr},
        FailureCase{"not_configured", [](FakeProvider& p) { p.has_key = false; }, bj::value(503),
                    bj::value("not_configured"), false,
                    "OPENROUTER_API_KEY is not set. Set it in the environment or in .env and restart parley.",
                    nullptr},
        FailureCase{"oversized_event",
                    [](FakeProvider& p) {
                      ScriptedReply reply;
                      reply.pieces.push_back(content_chunk("Part") + "data: ");
                      for (int i = 0; i < 33; ++i) reply.pieces.emplace_back(1024 * 1024, 'x');
                      p.replies.push_back(std::move(reply));
                    },
                    bj::value(502), bj::value("upstream_event_too_large"), false,
                    "Upstream sent an event larger than 32 MiB; parley stopped reading the stream",
                    bj::value("Part")}),
    [](const ::testing::TestParamInfo<FailureCase>& param) { return std::string(param.param.name); });

TEST_F(ChatTurnTest, AClientThatLeavesMidStreamCancelsTheTurnAndKeepsWhatItSaw) {
  provider_.replies.push_back(ScriptedReply::body({content_chunk("Partial")}).held_open());
  sink_.leave_when = [](const std::string& frame) { return frame.find("Partial") != std::string::npos; };
  turn(user_turn("s7"));

  EXPECT_EQ(provider_.cancelled_calls, 1);
  EXPECT_EQ(sink_.sends_after_leaving, 0);  // nothing more is sent once the client is gone
  const auto stored = rows("s7");
  ASSERT_EQ(roles(stored), (std::vector<std::string>{"system", "user", "assistant"}));
  EXPECT_EQ(stored[2].content, bj::value("Partial"));
  EXPECT_EQ(stored[2].metadata.at("finish_reason"), bj::value("cancelled"));
  EXPECT_EQ(stored[2].metadata.at("error"), (bj::value(bj::object{{"message", "Cancelled by client"},
                                                                  {"status", nullptr},
                                                                  {"code", "cancelled"},
                                                                  {"retryable", false}})));

  // The turn lock was released: the next turn of the session runs.
  RecordingSink next;
  provider_.replies.push_back(ScriptedReply::body({content_chunk("Again") + finish_chunk(), kDone}));
  EXPECT_EQ(labels(turn(user_turn("s7", "again"), next)),
            (std::vector<std::string>{"message", "message", "metadata", "[DONE]"}));
}

TEST_F(ChatTurnTest, ACancelWhileToolsRunKeepsTheCompletedCallsOnly) {
  provider_.replies.push_back(
      ScriptedReply::body({tool_call_chunk(0, "call-a", "calc__add", "{}") +
                               tool_call_chunk(1, "call-b", "calc__mul", "{}") + finish_chunk("tool_calls"),
                           kDone}));
  sink_.leave_when = [](const std::string& frame) {
    return frame.find("\"finished\"") != std::string::npos;  // gone once the first call's result is shown
  };
  turn(user_turn("s8"));

  ASSERT_EQ(tools_.calls.size(), 1u);
  EXPECT_EQ(tools_.calls[0].first, "calc__add");
  const auto stored = rows("s8");
  ASSERT_EQ(roles(stored), (std::vector<std::string>{"system", "user", "assistant", "tool"}));
  EXPECT_EQ(stored[3].tool_call_id, "call-a");
  EXPECT_EQ(provider_.requests.size(), 1u);  // no next hop
}

// §3.2 step 9: the conversation log snapshot is written, then [DONE] is emitted.
std::size_t count_of(const std::string& text, std::string_view what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

TEST_F(ChatTurnTest, TheConversationLogIsWrittenBeforeDone) {
  provider_.replies.push_back(
      ScriptedReply::body({content_chunk("Hel") + content_chunk("lo") + finish_chunk(), kDone}));
  watch_for_done();
  turn(user_turn("s-log", "the question"));

  ASSERT_TRUE(logs_at_done.has_value());
  EXPECT_NE(logs_at_done->find("session: s-log"), std::string::npos) << *logs_at_done;
  EXPECT_NE(logs_at_done->find("the question"), std::string::npos);
  EXPECT_NE(logs_at_done->find(" assistant "), std::string::npos);
  EXPECT_NE(logs_at_done->find("\nHello\n"), std::string::npos);
  EXPECT_EQ(conversation_logs(), *logs_at_done);  // nothing is written after [DONE]
}

TEST_F(ChatTurnTest, ATurnWithToolCallsIsLoggedOnceWholeBeforeDone) {
  provider_.replies.push_back(
      ScriptedReply::body({tool_call_chunk(0, "call-a", "calc__add", "{}") +
                               tool_call_chunk(1, "call-b", "calc__mul", "{}") + finish_chunk("tool_calls"),
                           kDone}));
  provider_.replies.push_back(ScriptedReply::body({content_chunk("Both done") + finish_chunk(), kDone}));
  watch_for_done();
  turn(user_turn("s-log-tools"));

  ASSERT_TRUE(logs_at_done.has_value());
  // system, user, the assistant's calls, two tool rows, the answer: one file, one part.
  EXPECT_EQ(count_of(*logs_at_done, "\n--- #"), 6u) << *logs_at_done;
  EXPECT_EQ(count_of(*logs_at_done, "session: "), 1u);
  EXPECT_EQ(count_of(*logs_at_done, "request: "), 1u);
  EXPECT_EQ(count_of(*logs_at_done, " tool "), 2u);
  EXPECT_NE(logs_at_done->find("Both done"), std::string::npos);
  EXPECT_EQ(conversation_logs(), *logs_at_done);
}

TEST_F(ChatTurnTest, AFailedTurnIsLoggedBeforeItsDone) {
  const std::string refusal =
      R"({"error":{"message":"No endpoints found that support tool use","code":404}})";
  provider_.replies.push_back(ScriptedReply::refused(404, refusal));
  provider_.replies.push_back(ScriptedReply::refused(404, refusal));
  watch_for_done();
  const auto events = turn(user_turn("s-log-failed"));

  EXPECT_EQ(labels(events),
            (std::vector<std::string>{"session", "tool notice", "metadata", "error", "message", "[DONE]"}));
  ASSERT_TRUE(logs_at_done.has_value());
  EXPECT_EQ(count_of(*logs_at_done, "\n--- #"), 3u) << *logs_at_done;  // the failed hop's row too
  EXPECT_EQ(conversation_logs(), *logs_at_done);
}

TEST_F(ChatTurnTest, ATurnStoppedByTheHopLimitIsLoggedBeforeDone) {
  config_.max_tool_hops = 0;
  provider_.replies.push_back(ScriptedReply::body(
      {tool_call_chunk(0, "call-a", "calc__add", "{}") + finish_chunk("tool_calls"), kDone}));
  watch_for_done();
  const auto events = turn(user_turn("s-log-limit"));

  EXPECT_EQ(labels(events),
            (std::vector<std::string>{"session", "message", "message", "metadata", "tool error", "[DONE]"}));
  ASSERT_TRUE(logs_at_done.has_value());
  EXPECT_EQ(count_of(*logs_at_done, "\n--- #"), 3u) << *logs_at_done;  // system, user, the calls not run
  EXPECT_EQ(conversation_logs(), *logs_at_done);
}

TEST_F(ChatTurnTest, ACancelledTurnIsStillLogged) {
  provider_.replies.push_back(ScriptedReply::body({content_chunk("Partial")}).held_open());
  sink_.leave_when = [](const std::string& frame) { return frame.find("Partial") != std::string::npos; };
  turn(user_turn("s-log-cancelled"));

  const auto logs = conversation_logs();
  EXPECT_EQ(count_of(logs, "\n--- #"), 3u) << logs;
  EXPECT_NE(logs.find("\nPartial\n"), std::string::npos);
  EXPECT_EQ(sink_.sends_after_leaving, 0);
}

}  // namespace
}  // namespace parley::chat
