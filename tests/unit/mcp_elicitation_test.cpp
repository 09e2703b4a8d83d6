// Elicitation: the schema helpers (SEP-1034 defaults, the answer checked against the form), the terminal's
// answer parsing, and the session answering elicitation/create through a handler, declining without one and
// cancelling when no answer comes in time.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>

#include "mcp/elicitation.hpp"
#include "mcp/elicitation_router.hpp"
#include "mcp/session.hpp"
#include "mcp/terminal_elicitation.hpp"

namespace asio = boost::asio;
namespace bj = boost::json;
using namespace parley::mcp;
using parley::Result;

namespace {

const bj::object kForm = bj::parse(R"({"type":"object","properties":{
  "name":{"type":"string","default":"John Doe","minLength":2},
  "age":{"type":"integer","default":30,"minimum":0,"maximum":150},
  "score":{"type":"number","default":95.5},
  "status":{"type":"string","enum":["active","inactive","pending"],"default":"active"},
  "verified":{"type":"boolean","default":true},
  "email":{"type":"string","format":"email"},
  "tags":{"type":"array","items":{"anyOf":[{"const":"a","title":"A"},{"const":"b","title":"B"}]},"maxItems":1}
},"required":["name"]})")
                             .as_object();

}  // namespace

TEST(McpElicitation, DefaultsFillOnlyWhatTheAnswerLeftOut) {
  auto content = with_schema_defaults(kForm, bj::object{{"age", 41}});
  EXPECT_EQ(content.at("age"), 41);
  EXPECT_EQ(content.at("name"), "John Doe");
  EXPECT_EQ(content.at("score"), 95.5);
  EXPECT_EQ(content.at("status"), "active");
  EXPECT_EQ(content.at("verified"), true);
  EXPECT_FALSE(content.contains("email"));  // no default: stays out
  EXPECT_TRUE(check_elicitation_content(kForm, content).empty());
}

TEST(McpElicitation, ChecksAnswersAgainstTheForm) {
  auto problems = check_elicitation_content(
      kForm, bj::parse(R"({"age":3.5,"score":"high","status":"gone","verified":"yes","email":"nobody",
                          "tags":["a","b"],"extra":1})")
                 .as_object());
  const auto has = [&](std::string_view text) {
    for (const auto& p : problems) {
      if (p.find(text) != std::string::npos) return true;
    }
    return false;
  };
  EXPECT_TRUE(has("name: required"));
  EXPECT_TRUE(has("age: expected a whole number"));
  EXPECT_TRUE(has("score: expected a number"));
  EXPECT_TRUE(has("status: \"gone\" is not one of the choices"));
  EXPECT_TRUE(has("verified: expected true or false"));
  EXPECT_TRUE(has("email: not a valid email"));
  EXPECT_TRUE(has("tags: choose at most 1"));
  EXPECT_TRUE(has("extra: not asked for"));
  EXPECT_EQ(problems.size(), 8u);
  EXPECT_FALSE(check_elicitation_content(kForm, bj::object{{"name", "J"}}).empty());  // minLength 2
  EXPECT_FALSE(check_elicitation_content(kForm, bj::object{{"name", "Jo"}, {"age", 200}}).empty());
}

TEST(McpElicitation, ParsesRequestsAndBuildsResults) {
  auto form = parse_elicitation_request(
      "srv",
      bj::parse(R"({"message":"Who?","requestedSchema":{"type":"object","properties":{}}})").as_object());
  ASSERT_TRUE(form);
  EXPECT_EQ(form.value().mode, "form");
  EXPECT_EQ(form.value().message, "Who?");
  auto url = parse_elicitation_request(
      "srv",
      bj::parse(R"({"mode":"url","message":"Log in","url":"https://x/y","elicitationId":"e1"})").as_object());
  ASSERT_TRUE(url);
  EXPECT_EQ(url.value().url, "https://x/y");
  EXPECT_EQ(url.value().elicitation_id, "e1");
  EXPECT_FALSE(parse_elicitation_request("srv", bj::object{{"message", "no schema"}}));
  EXPECT_FALSE(parse_elicitation_request("srv", bj::parse(R"({"mode":"telepathy"})").as_object()));
  EXPECT_EQ(bj::value(elicitation_result({ElicitationAction::accept, bj::object{{"a", 1}}})),
            bj::parse(R"({"action":"accept","content":{"a":1}})"));
  EXPECT_EQ(bj::value(elicitation_result({ElicitationAction::cancel, bj::object{{"a", 1}}})),
            bj::parse(R"({"action":"cancel"})"));
  EXPECT_EQ(bj::value(elicitation_result({})), bj::parse(R"({"action":"decline"})"));
}

TEST(McpElicitation, EnumValuesFromEnumOneOfAndAnyOf) {
  EXPECT_EQ(enum_values(bj::parse(R"({"enum":["x","y"]})").as_object()).size(), 2u);
  EXPECT_EQ(
      enum_values(bj::parse(R"({"oneOf":[{"const":"x","title":"X"},{"title":"no const"}]})").as_object())
          .size(),
      1u);
  EXPECT_TRUE(enum_values(bj::parse(R"({"type":"string"})").as_object()).empty());
}

TEST(McpElicitation, TerminalAnswersParseByType) {
  const auto props = kForm.at("properties").as_object();
  std::string problem;
  EXPECT_EQ(*parse_terminal_answer(props.at("name").as_object(), "", problem), "John Doe");
  EXPECT_EQ(*parse_terminal_answer(props.at("age").as_object(), " 42 ", problem), 42);
  EXPECT_FALSE(parse_terminal_answer(props.at("age").as_object(), "4x", problem));
  EXPECT_EQ(problem, "expected a whole number");
  EXPECT_EQ(*parse_terminal_answer(props.at("score").as_object(), "1.25", problem), 1.25);
  EXPECT_EQ(*parse_terminal_answer(props.at("verified").as_object(), "N", problem), false);
  EXPECT_FALSE(parse_terminal_answer(props.at("verified").as_object(), "maybe", problem));
  EXPECT_EQ(*parse_terminal_answer(props.at("status").as_object(), "2", problem), "inactive");
  EXPECT_EQ(*parse_terminal_answer(props.at("status").as_object(), "pending", problem), "pending");
  EXPECT_FALSE(parse_terminal_answer(props.at("status").as_object(), "4", problem));
  EXPECT_EQ(*parse_terminal_answer(props.at("tags").as_object(), "1, b", problem), bj::parse(R"(["a","b"])"));
  EXPECT_FALSE(parse_terminal_answer(props.at("email").as_object(), "", problem));  // no default: left out
  EXPECT_TRUE(problem.empty());
}

namespace {

asio::awaitable<void> elicit_into(ElicitationHandler* handler, bj::object schema,
                                  std::optional<ElicitationAnswer>* out) {
  ElicitationRequest request;
  request.requested_schema = std::move(schema);
  *out = co_await handler->elicit(std::move(request), nullptr);
}

}  // namespace

TEST(McpElicitation, DefaultsHandlerAcceptsOrDeclinesWhenARequiredFieldHasNoDefault) {
  asio::io_context ioc;
  std::optional<ElicitationAnswer> with_defaults, without;
  DefaultsElicitation handler;
  asio::co_spawn(ioc, elicit_into(&handler, kForm, &with_defaults), asio::detached);
  asio::co_spawn(
      ioc,
      elicit_into(&handler,
                  bj::parse(R"({"type":"object","properties":{"pin":{"type":"string"}},"required":["pin"]})")
                      .as_object(),
                  &without),
      asio::detached);
  ioc.run();
  ASSERT_TRUE(with_defaults && without);
  EXPECT_EQ(with_defaults->action, ElicitationAction::accept);
  EXPECT_EQ(with_defaults->content.at("status"), "active");
  EXPECT_EQ(without->action, ElicitationAction::decline);
}

namespace {

// Records what the session sends; the test feeds the server's messages through `events`.
class ScriptedTransport final : public Transport {
 public:
  std::vector<std::string> sent;
  TransportEvents events;
  asio::awaitable<Result<void, Failure>> open(TransportEvents e) override {
    events = std::move(e);
    co_return success();
  }
  asio::awaitable<Result<void, Failure>> send(std::string message) override {
    sent.push_back(message);
    co_return success();
  }
  asio::awaitable<void> close() override { co_return; }
  [[nodiscard]] std::string kind() const override { return "stdio"; }
  // The last message sent as JSON.
  bj::object last() const { return bj::parse(sent.back()).as_object(); }
};

// Never answers until cancelled; then answers "accept" so the test can tell the session ignored it.
class SilentElicitation final : public ElicitationHandler {
 public:
  bool saw_cancel = false;
  asio::awaitable<ElicitationAnswer> elicit(ElicitationRequest, parley::CancelSignal* cancel) override {
    asio::steady_timer tick(co_await asio::this_coro::executor);
    while (!cancel->cancelled()) {
      tick.expires_after(std::chrono::milliseconds(5));
      co_await tick.async_wait(asio::use_awaitable);
    }
    saw_cancel = true;
    co_return ElicitationAnswer{ElicitationAction::accept, {}};
  }
};

struct SessionFixture {
  asio::io_context ioc;
  asio::any_io_executor strand = asio::make_strand(ioc);
  std::shared_ptr<ScriptedTransport> transport = std::make_shared<ScriptedTransport>();
  std::shared_ptr<McpSession> session = std::make_shared<McpSession>(strand, "srv", transport);
  std::optional<Result<void, Failure>> started;

  static asio::awaitable<void> start(std::shared_ptr<McpSession> s,
                                     std::optional<Result<void, Failure>>* out) {
    out->emplace(co_await s->start({}, std::chrono::seconds(5)));
  }
  // Runs initialize against the scripted server.
  void initialize() {
    asio::co_spawn(strand, start(session, &started), asio::detached);
    ioc.run_for(std::chrono::milliseconds(20));
    transport->events.on_message(
        bj::parse(R"({"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2025-11-25","capabilities":{}}})"),
        std::nullopt);
    ioc.restart();
    ioc.run_for(std::chrono::milliseconds(20));
    ASSERT_TRUE(started && *started);
  }
  // `related`: the id of parley's request whose response stream carried the message (Streamable HTTP).
  void server_sends(std::string_view json, std::optional<std::int64_t> related = std::nullopt) {
    transport->events.on_message(bj::parse(json), related);
    ioc.restart();
  }
};

const char* kElicit =
    R"({"jsonrpc":"2.0","id":"e1","method":"elicitation/create","params":{"message":"Defaults?",
      "requestedSchema":{"type":"object","properties":{"n":{"type":"integer","default":7}}}}})";

}  // namespace

TEST(McpSessionElicitation, DeclaresTheCapabilityAndAnswersThroughTheHandler) {
  SessionFixture f;
  f.session->set_elicitation_handler(std::make_shared<DefaultsElicitation>(), std::chrono::seconds(5));
  f.initialize();
  const auto init = bj::parse(f.transport->sent.front()).as_object();
  EXPECT_EQ(init.at("params").at("capabilities"), bj::parse(R"({"elicitation":{"form":{}}})"));
  f.server_sends(kElicit);
  f.ioc.run_for(std::chrono::milliseconds(50));
  const auto answer = f.transport->last();
  EXPECT_EQ(answer.at("id"), "e1");
  EXPECT_EQ(answer.at("result"), bj::parse(R"({"action":"accept","content":{"n":7}})"));
}

TEST(McpSessionElicitation, WithoutAHandlerNothingIsDeclaredAndRequestsAreDeclined) {
  SessionFixture f;
  f.initialize();
  EXPECT_EQ(bj::parse(f.transport->sent.front()).at("params").at("capabilities"), bj::object{});
  f.server_sends(kElicit);
  f.ioc.run_for(std::chrono::milliseconds(50));
  EXPECT_EQ(f.transport->last().at("result"), bj::parse(R"({"action":"decline"})"));
  // A url-mode request to a form-only handler is declined too; a malformed one is an invalid-params error.
  f.server_sends(R"({"jsonrpc":"2.0","id":"e2","method":"elicitation/create","params":{"message":"x"}})");
  f.ioc.run_for(std::chrono::milliseconds(50));
  EXPECT_EQ(f.transport->last().at("error").at("code"), -32602);
}

TEST(McpSessionElicitation, NoAnswerInTimeIsACancelAndTheHandlerIsToldToStop) {
  SessionFixture f;
  auto handler = std::make_shared<SilentElicitation>();
  f.session->set_elicitation_handler(handler, std::chrono::milliseconds(60));
  f.initialize();
  const auto before = f.transport->sent.size();
  f.server_sends(kElicit);
  f.ioc.run_for(std::chrono::milliseconds(30));
  EXPECT_EQ(f.transport->sent.size(), before);  // still waiting for the person
  f.ioc.run_for(std::chrono::milliseconds(200));
  ASSERT_EQ(f.transport->sent.size(), before + 1);
  EXPECT_EQ(f.transport->last().at("result"), bj::parse(R"({"action":"cancel"})"));
  EXPECT_TRUE(handler->saw_cancel);
}

TEST(McpSessionElicitation, ClosingTheSessionCancelsAPendingElicitation) {
  SessionFixture f;
  auto handler = std::make_shared<SilentElicitation>();
  f.session->set_elicitation_handler(handler, std::chrono::minutes(10));
  f.initialize();
  f.server_sends(kElicit);
  f.ioc.run_for(std::chrono::milliseconds(20));
  asio::co_spawn(f.strand, f.session->close(), asio::detached);
  f.ioc.restart();
  f.ioc.run_for(std::chrono::milliseconds(100));
  EXPECT_TRUE(handler->saw_cancel);
}

namespace {

// Answers every form at once with its own name in the content, so a test sees who was asked.
class NamedElicitation final : public ElicitationHandler {
 public:
  explicit NamedElicitation(std::string name) : name_(std::move(name)) {}
  int asked = 0;
  asio::awaitable<ElicitationAnswer> elicit(ElicitationRequest, parley::CancelSignal*) override {
    ++asked;
    co_return ElicitationAnswer{ElicitationAction::accept, bj::object{{"who", name_}}};
  }

 private:
  std::string name_;
};

asio::awaitable<void> call_into(std::shared_ptr<McpSession> s, std::string tool,
                                std::shared_ptr<ElicitationHandler> asker) {
  (void)co_await s->call_tool(std::move(tool), {}, std::chrono::seconds(5), nullptr, std::move(asker));
}

const char* kElicitWho =
    R"({"jsonrpc":"2.0","id":"%s","method":"elicitation/create","params":{"message":"Who?",
      "requestedSchema":{"type":"object","properties":{"who":{"type":"string"}}}}})";

std::string elicit_with_id(const std::string& id) {
  std::string s = kElicitWho;
  s.replace(s.find("%s"), 2, id);
  return s;
}

}  // namespace

TEST(McpSessionElicitation, AQuestionOnACallsOwnStreamGoesToThatCallNotTheMostRecent) {
  SessionFixture f;
  auto fallback = std::make_shared<NamedElicitation>("router");
  f.session->set_elicitation_handler(fallback, std::chrono::seconds(5));
  f.initialize();
  auto first = std::make_shared<NamedElicitation>("first");
  auto second = std::make_shared<NamedElicitation>("second");
  // Two calls in flight on one session: ids 2 and 3 (initialize was 1).
  asio::co_spawn(f.strand, call_into(f.session, "slow", first), asio::detached);
  asio::co_spawn(f.strand, call_into(f.session, "slower", second), asio::detached);
  f.ioc.restart();
  f.ioc.run_for(std::chrono::milliseconds(20));
  ASSERT_EQ(f.session->in_flight(), 2U);

  f.server_sends(elicit_with_id("q-first"), 2);  // on the stream of the first call
  f.ioc.run_for(std::chrono::milliseconds(50));
  EXPECT_EQ(f.transport->last().at("id"), "q-first");
  EXPECT_EQ(f.transport->last().at("result").at("content").at("who"), "first");
  f.server_sends(elicit_with_id("q-second"), 3);
  f.ioc.run_for(std::chrono::milliseconds(50));
  EXPECT_EQ(f.transport->last().at("result").at("content").at("who"), "second");
  // Nothing ties it to a call (stdio, the GET stream): the session's handler.
  f.server_sends(elicit_with_id("q-untied"));
  f.ioc.run_for(std::chrono::milliseconds(50));
  EXPECT_EQ(f.transport->last().at("result").at("content").at("who"), "router");
  // A question tied to a request that is over goes to nobody: declined, never to another turn.
  f.server_sends(elicit_with_id("q-stale"), 99);
  f.ioc.run_for(std::chrono::milliseconds(50));
  EXPECT_EQ(f.transport->last().at("id"), "q-stale");
  EXPECT_EQ(f.transport->last().at("result"), bj::parse(R"({"action":"decline"})"));
  EXPECT_EQ(first->asked, 1);
  EXPECT_EQ(second->asked, 1);
  EXPECT_EQ(fallback->asked, 1);
}

TEST(McpElicitationRouter, FormsGoToTheMostRecentCallButALinkOnlyWhenOneCallCouldOwnIt) {
  struct LinkTaker final : ElicitationHandler {
    std::string name;
    int asked = 0;
    explicit LinkTaker(std::string n) : name(std::move(n)) {}
    [[nodiscard]] bool supports_url_mode() const override { return true; }
    asio::awaitable<ElicitationAnswer> elicit(ElicitationRequest, parley::CancelSignal*) override {
      ++asked;
      co_return ElicitationAnswer{ElicitationAction::accept, bj::object{{"who", name}}};
    }
  };
  ElicitationRouter router;
  auto a = std::make_shared<LinkTaker>("a");
  auto b = std::make_shared<LinkTaker>("b");
  auto ask = [&](std::string mode) {
    ElicitationRequest request;
    request.server_id = "srv";
    request.mode = std::move(mode);
    request.url = "https://login.example.com/x";
    std::optional<ElicitationAnswer> out;
    asio::io_context ioc;
    auto run = [&]() -> asio::awaitable<void> { out = co_await router.elicit(request, nullptr); };
    asio::co_spawn(ioc, run(), asio::detached);
    ioc.run();
    return *out;
  };
  EXPECT_TRUE(router.supports_url_mode());
  {
    auto only_a = router.route("srv", a);
    EXPECT_EQ(ask("url").action, ElicitationAction::accept);  // one call in flight: it is its link
    auto and_b = router.route("srv", b);
    EXPECT_EQ(ask("form").content.at("who"), "b");             // a form: the most recent call
    EXPECT_EQ(ask("url").action, ElicitationAction::decline);  // a link with two owners possible: nobody's
  }
  EXPECT_EQ(ask("form").action, ElicitationAction::decline);  // nobody registered
  EXPECT_EQ(a->asked, 1);
  EXPECT_EQ(b->asked, 1);
}
