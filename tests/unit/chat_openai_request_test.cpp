// The OpenAI-compatible API's request parsing with hostile input: wrong types at every level, missing
// members, deep and huge values, and the path of the offending parameter in every error. Also the key
// settings of the keys routes and the translation of a turn's events into OpenAI's chunks.
#include <gtest/gtest.h>

#include <string>

#include "chat/openai_request.hpp"
#include "chat/openai_stream.hpp"
#include "core/json.hpp"
#include "keys/api_key_settings.hpp"
#include "net/http_types.hpp"

namespace parley::chat {
namespace {

namespace bj = boost::json;

boost::system::result<OpenAiChatRequest, OpenAiError> parse(std::string_view text) {
  auto v = parley::json::parse(text);
  EXPECT_TRUE(v) << text;
  return parse_openai_chat_request(v ? *v : bj::value());
}

std::string param_of(std::string_view text) {
  auto r = parse(text);
  EXPECT_FALSE(r) << text;
  if (r) return "<accepted>";
  EXPECT_EQ(r.error().kind, ErrorKind::invalid_request);
  EXPECT_EQ(r.error().type, "invalid_request_error");
  return r.error().param.value_or("<none>");
}

TEST(OpenAiRequest, AcceptsTheOfficialShapesAndKeepsUnknownMembers) {
  auto r = parse(
      R"({"model":"a/b","stream":true,"stream_options":{"include_usage":true},"provider":{"order":["x"]},
    "session_id":"evil","messages":[{"role":"developer","content":"d"},{"role":"user","content":[{"type":"text","text":"hi"}]},
    {"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]},
    {"role":"tool","tool_call_id":"c","content":"r"}],"tools":[{"type":"function","function":{"name":"f_1-x","parameters":{}}}],
    "tool_choice":{"type":"function","function":{"name":"f"}},"temperature":0,"max_tokens":5,"n":1,"stop":["a"]})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->model, "a/b");
  EXPECT_TRUE(r->stream);
  EXPECT_TRUE(r->include_usage);
  EXPECT_TRUE(r->client_tools);
  EXPECT_TRUE(r->has_system_message);
  EXPECT_TRUE(r->body.contains("provider"));
  EXPECT_FALSE(r->body.contains("session_id"));
}

TEST(OpenAiRequest, NamesTheOffendingParameter) {
  EXPECT_EQ(param_of("[]"), "<none>");
  EXPECT_EQ(param_of("{}"), "messages");
  EXPECT_EQ(param_of(R"({"messages":{}})"), "messages");
  EXPECT_EQ(param_of(R"({"messages":[]})"), "messages");
  EXPECT_EQ(param_of(R"({"messages":[1]})"), "messages[0]");
  EXPECT_EQ(param_of(R"({"messages":[{"content":"x"}]})"), "messages[0].role");
  EXPECT_EQ(param_of(R"({"messages":[{"role":7,"content":"x"}]})"), "messages[0].role");
  EXPECT_EQ(param_of(R"({"messages":[{"role":"root","content":"x"}]})"), "messages[0].role");
  EXPECT_EQ(param_of(R"({"messages":[{"role":"user"}]})"), "messages[0].content");
  EXPECT_EQ(param_of(R"({"messages":[{"role":"user","content":null}]})"), "messages[0].content");
  EXPECT_EQ(param_of(R"({"messages":[{"role":"user","content":{"a":1}}]})"), "messages[0].content");
  EXPECT_EQ(param_of(R"({"messages":[{"role":"user","content":["x"]}]})"), "messages[0].content[0]");
  EXPECT_EQ(param_of(R"({"messages":[{"role":"user","content":[{"text":"x"}]}]})"),
            "messages[0].content[0].type");
  EXPECT_EQ(param_of(R"({"messages":[{"role":"user","content":"x","name":5}]})"), "messages[0].name");
  EXPECT_EQ(param_of(R"({"messages":[{"role":"tool","content":"x"}]})"), "messages[0].tool_call_id");
  EXPECT_EQ(param_of(R"({"messages":[{"role":"tool","content":"x","tool_call_id":1}]})"),
            "messages[0].tool_call_id");
  EXPECT_EQ(param_of(R"({"messages":[{"role":"assistant"}]})"), "messages[0].content");
  EXPECT_EQ(param_of(R"({"messages":[{"role":"assistant","tool_calls":"x"}]})"), "messages[0].tool_calls");
  EXPECT_EQ(param_of(R"({"messages":[{"role":"assistant","tool_calls":[{"type":"function"}]}]})"),
            "messages[0].tool_calls[0].id");
  EXPECT_EQ(
      param_of(
          R"({"messages":[{"role":"assistant","tool_calls":[{"id":"a","function":{"name":"f","arguments":{}}}]}]})"),
      "messages[0].tool_calls[0].function.arguments");
  const std::string ok = R"("messages":[{"role":"user","content":"x"}])";
  EXPECT_EQ(param_of("{" + ok + R"(,"model":5})"), "model");
  EXPECT_EQ(param_of("{" + ok + R"(,"stream":"yes"})"), "stream");
  EXPECT_EQ(param_of("{" + ok + R"(,"stream_options":[]})"), "stream_options");
  EXPECT_EQ(param_of("{" + ok + R"(,"stream_options":{"include_usage":1}})"), "stream_options.include_usage");
  EXPECT_EQ(param_of("{" + ok + R"(,"tools":{}})"), "tools");
  EXPECT_EQ(param_of("{" + ok + R"(,"tools":[{"type":"retrieval"}]})"), "tools[0].type");
  EXPECT_EQ(param_of("{" + ok + R"(,"tools":[{"type":"function","function":{}}]})"),
            "tools[0].function.name");
  EXPECT_EQ(param_of("{" + ok + R"(,"tools":[{"type":"function","function":{"name":"a b"}}]})"),
            "tools[0].function.name");
  EXPECT_EQ(
      param_of("{" + ok + R"(,"tools":[{"type":"function","function":{"name":"f","parameters":"x"}}]})"),
      "tools[0].function.parameters");
  EXPECT_EQ(param_of("{" + ok + R"(,"tool_choice":"always"})"), "tool_choice");
  EXPECT_EQ(param_of("{" + ok + R"(,"tool_choice":3})"), "tool_choice");
  EXPECT_EQ(param_of("{" + ok + R"(,"temperature":"hot"})"), "temperature");
  EXPECT_EQ(param_of("{" + ok + R"(,"max_tokens":1.5})"), "max_tokens");
  EXPECT_EQ(param_of("{" + ok + R"(,"n":2})"), "n");
  EXPECT_EQ(param_of("{" + ok + R"(,"stop":[1]})"), "stop[0]");
  EXPECT_EQ(param_of("{" + ok + R"(,"user":{}})"), "user");
}

TEST(OpenAiRequest, SurvivesHugeAndDeepInput) {
  std::string deep(5000, '[');
  deep += std::string(5000, ']');
  std::string body = R"({"messages":[{"role":"user","content":"x"}],"metadata":{"a":)" + deep + "}}";
  if (auto v = parley::json::parse(body)) {
    EXPECT_TRUE(parse_openai_chat_request(*v));  // kept, forwarded
  }
  std::string many = R"({"messages":[)";
  for (int i = 0; i < 2000; ++i) many += R"({"role":"user","content":"x"},)";
  many += R"({"role":"bad","content":"x"}]})";
  EXPECT_EQ(param_of(many), "messages[2000].role");
  std::string tools = R"({"messages":[{"role":"user","content":"x"}],"tools":[)";
  for (int i = 0; i < 600; ++i)
    tools += std::string(i ? "," : "") + R"({"type":"function","function":{"name":"f"}})";
  EXPECT_EQ(param_of(tools + "]}"), "tools");
  const std::string long_name(65, 'a');
  EXPECT_EQ(
      param_of(
          R"({"messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":")" +
          long_name + R"("}}]})"),
      "tools[0].function.name");
}

// Found by the openai_request fuzzer: a count far outside long long's range (UBSan: the cast was undefined).
TEST(OpenAiRequest, ACountBeyondAnyIntegerIsRefusedNotCast) {
  for (const char* n : {"21e308", "-1e300", "1e19", "9.3e18"})
    EXPECT_EQ(param_of(std::string(R"({"messages":[{"role":"user","content":"x"}],"n":)") + n + "}"), "n")
        << n;
}

TEST(OpenAiRequest, ErrorBodyHasOpenAisShape) {
  auto r = parse(R"({"messages":[]})");
  ASSERT_FALSE(r);
  const auto body = r.error().to_json();
  const auto& e = body.at("error").as_object();
  EXPECT_EQ(e.at("param").as_string(), "messages");
  EXPECT_EQ(e.at("type").as_string(), "invalid_request_error");
  EXPECT_TRUE(e.contains("code"));
  EXPECT_TRUE(e.contains("message"));
}

TEST(ApiKeySettings, ParsesTheCreateBodyWithFieldPaths) {
  auto ok = keys::parse_new_api_key(*parley::json::parse(
      R"({"name":" ed ","models":["a/b","a/b"],"mcp_servers":[],"spending_cap_usd":1.5,"store_history":true})"));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->name, "ed");
  EXPECT_EQ(ok->settings.models, std::vector<std::string>{"a/b"});
  ASSERT_TRUE(ok->settings.mcp_servers);
  EXPECT_TRUE(ok->settings.mcp_servers->empty());
  EXPECT_EQ(ok->settings.spending_cap_nanodollars, 1500000000);
  EXPECT_TRUE(ok->settings.store_history);
  const auto round = keys::settings_from_stored(parley::json::serialize(ok->settings.to_json()));
  EXPECT_EQ(round.models, ok->settings.models);
  EXPECT_EQ(round.spending_cap_nanodollars, ok->settings.spending_cap_nanodollars);
  EXPECT_FALSE(round.allows_server("everything"));

  auto bad = keys::parse_new_api_key(
      *parley::json::parse(R"({"models":[3],"spending_cap_usd":-1,"store_history":"yes","extra":1})"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind, ErrorKind::invalid_content);  // a 422 at the API edge
  const auto text = parley::json::serialize(bad.error().detail);
  for (const char* where : {R"(["body","models",0])", R"(["body","spending_cap_usd"])",
                            R"(["body","store_history"])", R"(["body","extra"])", R"(["body","name"])"})
    EXPECT_NE(text.find(where), std::string::npos) << where << " in " << text;
  EXPECT_FALSE(keys::parse_new_api_key(bj::value(bj::array{})));
  EXPECT_TRUE(keys::settings_from_stored("not json").models.empty());
}

std::string frame(std::string_view event, std::string_view data) {
  return net::format_sse_event(event, data);
}

TEST(OpenAiStreamTranslator, OneIdNoParleyToolCallsProgressChunksAndSummedUsage) {
  OpenAiStreamTranslator t({true, true, false, "chatcmpl-1", 42, "m"});
  std::string out;
  out += t.translate(frame("session", R"({"session_id":"s"})"));
  out += t.translate(
      frame(
          "message",
          R"({"id":"gen-1","model":"up/m","choices":[{"index":0,"delta":{"role":"assistant","content":""}}]})") +
      frame(
          "message",
          R"({"id":"gen-1","choices":[{"index":0,"delta":{"content":null,"tool_calls":[{"index":0,"id":"c"}]}}]})") +
      frame("message", R"({"id":"gen-1","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]})"));
  out += t.translate(frame(
      "metadata",
      R"({"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5,"cost":0.5},"tool_calls":[{"id":"c"}]})"));
  out += t.translate(
      frame("tool", R"({"status":"finished","name":"echo","call_id":"c","result":"r","message_id":9})"));
  out += t.translate(
      frame("message",
            R"({"id":"gen-2","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"}}]})") +
      frame("message", R"({"id":"gen-2","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]})"));
  out += t.translate(frame(
      "metadata",
      R"({"usage":{"prompt_tokens":4,"completion_tokens":1,"total_tokens":5,"cost":0.25},"tool_calls":null})"));
  out += t.translate(frame("message", "[DONE]"));
  EXPECT_TRUE(t.done());
  EXPECT_EQ(out.find("gen-"), std::string::npos);
  EXPECT_EQ(out.find("tool_calls"), std::string::npos);
  EXPECT_EQ(out.find("message_id"), std::string::npos);
  EXPECT_NE(out.find(R"("parley_tool":{"status":"finished")"), std::string::npos);
  EXPECT_NE(out.find(R"("finish_reason":"stop")"), std::string::npos);
  EXPECT_NE(out.find(R"("usage":{"prompt_tokens":7,"completion_tokens":3,"total_tokens":10,"cost":)"),
            std::string::npos)
      << out;
  EXPECT_DOUBLE_EQ(t.usage().cost, 0.75);
  EXPECT_TRUE(out.ends_with("data: [DONE]\n\n"));
  EXPECT_EQ(t.usage().total_tokens, 10);
}

TEST(OpenAiStreamTranslator, AnErrorBecomesAnErrorObjectAndHidesTheCompatibilityChunk) {
  OpenAiStreamTranslator t({true, false, false, "chatcmpl-2", 1, "m"});
  std::string out = t.translate(
      frame("error", R"({"message":"boom","status":503,"code":null,"retryable":true})") +
      frame("message", R"({"choices":[{"delta":{"content":"Error: boom"}}]})") + frame("message", "[DONE]"));
  EXPECT_EQ(out,
            "data: "
            "{\"error\":{\"message\":\"boom\",\"type\":\"upstream_error\",\"param\":null,\"code\":null}}"
            "\n\ndata: [DONE]\n\n");
  ASSERT_TRUE(t.error());
  EXPECT_EQ(t.error()->kind, ErrorKind::upstream_failed);
}

TEST(OpenAiStreamTranslator, NotStreamingCollectsTheCompletionWithTheClientsToolCalls) {
  OpenAiStreamTranslator t({false, false, true, "chatcmpl-3", 1, "m"});
  EXPECT_EQ(
      t.translate(
          frame("message", R"({"model":"up/x","choices":[{"index":0,"delta":{"content":"a"}}]})") +
          frame("message", R"({"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]})") +
          frame("metadata",
                R"({"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]})") +
          frame("message", "[DONE]")),
      "");
  const auto c = t.completion();
  EXPECT_EQ(c.at("model").as_string(), "up/x");
  const auto& choice = c.at("choices").as_array()[0].as_object();
  EXPECT_EQ(choice.at("finish_reason").as_string(), "tool_calls");
  EXPECT_EQ(choice.at("message").as_object().at("content").as_string(), "a");
  EXPECT_EQ(choice.at("message").as_object().at("tool_calls").as_array().size(), 1u);
}

}  // namespace
}  // namespace parley::chat
