#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "chat/chat_request.hpp"
#include "chat/turn_error.hpp"
#include "chat/upstream_request.hpp"

using namespace parley;
using namespace parley::chat;
namespace bj = boost::json;

namespace {

StoredMessage row(std::int64_t id, std::string role, bj::value content, const char* metadata = "{}",
                  std::optional<std::string> tool_call_id = std::nullopt) {
  StoredMessage m;
  m.id = id;
  m.role = std::move(role);
  m.content = std::move(content);
  m.metadata = bj::parse(metadata).as_object();
  m.tool_call_id = std::move(tool_call_id);
  return m;
}

ChatRequest request(const char* json) {
  auto r = validate_chat_request(bj::parse(json));
  EXPECT_TRUE(r.has_value());
  return *r;
}

}  // namespace

TEST(ChatRequestValidation, AcceptsWhatExistingClientsSend) {
  auto r = validate_chat_request(bj::parse(R"({"model":"openai/gpt-4o-mini","session_id":"session_abc",
      "messages":[{"role":"user","content":[{"type":"text","text":"hi"}],"client_message_id":"user_1"}],
      "metadata":{"client_assistant_message_id":"assistant_1","client_parent_message_id":"user_1"},
      "plugins":[{"id":"web"}],"web_search_options":{"search_context_size":"low"},"unknown_key":{"kept":1}})"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->session_id, "session_abc");
  EXPECT_EQ(r->model, "openai/gpt-4o-mini");
  EXPECT_EQ(r->client_assistant_message_id, "assistant_1");
  EXPECT_EQ(r->client_parent_message_id, "user_1");
  EXPECT_TRUE(r->body.contains("unknown_key"));
}

TEST(ChatRequestValidation, ReportsEveryProblemWithItsPath) {
  auto r = validate_chat_request(bj::parse(R"({"messages":[{"role":"robot","content":"x"},{"role":"user"},
      {"role":"user","content":null,"name":5}],"session_id":"bad\u0001id","temperature":"hot","max_tokens":1.5,
      "stop":[1],"tools":[1],"parallel_tool_calls":"yes","provider":[],"models":"x"})"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, parley::ErrorKind::invalid_content);
  const auto s = bj::serialize(r.error().detail);
  for (const char* expected :
       {R"("type":"literal_error","loc":["body","messages",0,"role"])",
        R"("type":"missing","loc":["body","messages",1,"content"])", R"("loc":["body","messages",2,"name"])",
        R"("loc":["body","session_id"])", R"("type":"float_type","loc":["body","temperature"])",
        R"("type":"int_from_float","loc":["body","max_tokens"])", R"("loc":["body","stop",0])",
        R"("loc":["body","tools",0])", R"("type":"bool_type","loc":["body","parallel_tool_calls"])",
        R"("type":"dict_type","loc":["body","provider"])", R"("type":"list_type","loc":["body","models"])"}) {
    EXPECT_NE(s.find(expected), std::string::npos) << expected << " in " << s;
  }
  EXPECT_FALSE(validate_chat_request(bj::parse(R"({"session_id":"x"})")).has_value());
  EXPECT_FALSE(validate_chat_request(bj::parse(R"([1])")).has_value());
  EXPECT_TRUE(validate_chat_request(bj::parse(R"({"messages":[]})")).has_value());
}

TEST(UpstreamBody, FollowsTheSpecOrderOfRules) {
  auto req =
      request(R"({"model":"","session_id":"s","temperature":null,"top_p":0.5,"provider":{"sort":"price"},
      "tools":[{"type":"function"}],"tool_choice":"auto","metadata":{"x":1},"custom":true,
      "messages":[{"role":"user","content":"hi"}]})");
  ActiveModelSettings settings;
  settings.model = "stored/model";
  settings.provider = bj::parse(R"({"order":["A"],"sort":"latency"})").as_object();
  settings.parameters = bj::parse(R"({"temperature":0.2,"top_p":0.9,"max_tokens":100})").as_object();
  const auto body = build_upstream_body(req, settings, {row(1, "user", "hi")}, {});
  EXPECT_FALSE(body.contains("session_id"));
  EXPECT_EQ(body.at("model"), "stored/model");
  EXPECT_EQ(body.at("stream"), true);
  EXPECT_EQ(bj::serialize(body.at("usage")), R"({"include":true})");
  EXPECT_EQ(bj::serialize(body.at("provider")), R"({"order":["A"],"sort":"price"})");
  EXPECT_EQ(body.at("temperature").as_double(), 0.2);  // request null -> stored fills the gap
  EXPECT_EQ(body.at("top_p").as_double(), 0.5);        // request wins
  EXPECT_EQ(body.at("max_tokens"), 100);
  EXPECT_EQ(body.at("custom"), true);
  EXPECT_TRUE(body.contains("metadata"));
  EXPECT_FALSE(body.contains("tools")) << "a client's tools are never forwarded";
  EXPECT_FALSE(body.contains("tool_choice"));
}

TEST(UpstreamBody, AttachesRegistryToolsOnlyWhenTheModelSupportsThem) {
  auto req = request(
      R"({"model":"req/model","messages":[{"role":"user","content":"hi"}],"parallel_tool_calls":true})");
  ActiveModelSettings settings;
  settings.model = "stored/model";
  ToolAttachment tools;
  tools.tools = bj::parse(R"([{"type":"function","function":{"name":"calc__add"}}])").as_array();
  auto body = build_upstream_body(req, settings, {}, tools);
  EXPECT_EQ(body.at("model"), "req/model");
  EXPECT_EQ(body.at("tools").as_array().size(), 1u);
  EXPECT_EQ(body.at("tool_choice"), "auto");
  tools.capability = false;
  body = build_upstream_body(req, settings, {}, tools);
  EXPECT_FALSE(body.contains("tools"));
  EXPECT_FALSE(body.contains("parallel_tool_calls"));
  tools.capability = true;
  auto none = request(R"({"messages":[{"role":"user","content":"hi"}],"tool_choice":"none"})");
  EXPECT_FALSE(build_upstream_body(none, settings, {}, tools).contains("tools"));
}

TEST(HistoryProjection, ProjectsRowsAndRepairsUnansweredToolCalls) {
  const std::vector<StoredMessage> history = {
      row(1, "system", "ctx"),
      row(2, "user",
          bj::parse(
              R"([{"type":"text","text":"look"},{"type":"image_url","image_url":{"url":"u"},"metadata":{"attachment_id":"a"}}])"),
          R"({"name":"ann"})"),
      row(3, "assistant", nullptr, R"({"finish_reason":"error"})"),
      row(4, "assistant", nullptr,
          R"({"tool_calls":[{"id":"c1","type":"function","function":{"name":"t","arguments":"{}"}},{"id":"c2","type":"function","function":{"name":"t","arguments":"{}"}}],"reasoning_details":[{"x":1}],"usage":{"a":1}})"),
      row(5, "tool", "result one", R"({"tool_name":"t"})", "c1"),
      row(6, "tool", "orphan", "{}", "zzz"),
      row(7, "user", "next"),
      row(8, "assistant", "answer", R"({"model":"m"})"),
  };
  EXPECT_EQ(
      bj::serialize(project_history(history)),
      R"([{"role":"system","content":"ctx"},)"
      R"({"role":"user","content":[{"type":"text","text":"look"},{"type":"image_url","image_url":{"url":"u"}}],"name":"ann"},)"
      R"({"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"t","arguments":"{}"}},{"id":"c2","type":"function","function":{"name":"t","arguments":"{}"}}],"reasoning_details":[{"x":1}]},)"
      R"({"role":"tool","tool_call_id":"c1","content":"result one"},)"
      R"({"role":"tool","tool_call_id":"c2","content":"Tool call was not executed."},)"
      R"({"role":"user","content":"next"},{"role":"assistant","content":"answer"}])");
}

TEST(TurnErrors, MapUpstreamFailuresAsTheSpecTableSays) {
  auto e = TurnError::upstream_http(429, R"({"error":{"code":429,"message":"Rate limited"}})");
  EXPECT_EQ(bj::serialize(e.payload()),
            R"({"message":"Rate limited","status":429,"code":429,"retryable":true})");
  EXPECT_EQ(e.detail, R"({"code":429,"message":"Rate limited"})");
  e = TurnError::upstream_http(400, "plain text");
  EXPECT_EQ(e.detail, "plain text");
  EXPECT_FALSE(e.retryable);
  EXPECT_EQ(TurnError::upstream_http(500, "").detail, "OpenRouter returned an empty error response.");
  e = TurnError::in_band(
      bj::parse(R"({"code":"overloaded","message":"busy","metadata":{"error_type":"provider_overloaded"}})")
          .as_object());
  EXPECT_EQ(bj::serialize(e.payload()),
            R"({"message":"busy","status":null,"code":"overloaded","retryable":true})");
  EXPECT_EQ(
      bj::serialize(TurnError::timeout(7).payload()),
      R"({"message":"Upstream did not respond within 7 seconds","status":504,"code":"upstream_timeout","retryable":true})");
  EXPECT_EQ(bj::serialize(TurnError::cancelled().payload()),
            R"({"message":"Cancelled by client","status":null,"code":"cancelled","retryable":false})");
}

// A turn loads its history with upstream_metadata_keys() alone (chat_orchestrator.cpp's history_range): the
// projection must not read any other metadata key, or a long conversation's request would silently lose it.
TEST(HistoryProjection, ReadsNoMetadataKeyBeyondUpstreamMetadataKeys) {
  const std::vector<StoredMessage> full{
      row(1, "system", "sys"),
      row(2, "user", "hi", R"({"name":"Ana","client_message_id":"u1"})"),
      row(3, "assistant", "plain",
          R"({"model":"m","usage":{"total_tokens":3},"routing":{"x":1},"meta":null})"),
      row(4, "assistant", nullptr,
          R"({"model":"m","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}],)"
          R"("reasoning":"r","reasoning_details":[{"type":"reasoning.text","text":"r"}],"annotations":[1]})"),
      row(5, "tool", "42", R"({"tool_name":"f","tool_status":"finished"})", "c1"),
      row(6, "assistant", "after", R"({"reasoning_details":[{"type":"reasoning.encrypted","data":"x"}]})"),
      row(7, "assistant", nullptr, R"({"tool_calls":[{"id":"c2","type":"function"}],"error":{"code":"x"}})"),
  };
  auto reduced = full;
  for (auto& m : reduced) {
    bj::object kept;
    for (const auto key : upstream_metadata_keys())
      if (const auto* v = m.metadata.if_contains(key)) kept[key] = *v;
    m.metadata = std::move(kept);
  }
  EXPECT_EQ(bj::serialize(project_history(reduced)), bj::serialize(project_history(full)));
  // And the keys matter: without them the projection differs.
  auto bare = full;
  for (auto& m : bare) m.metadata.clear();
  EXPECT_NE(bj::serialize(project_history(bare)), bj::serialize(project_history(full)));
}
