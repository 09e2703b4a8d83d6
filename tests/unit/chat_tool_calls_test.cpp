#include "chat/tool_calls.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

using namespace parley::chat;
namespace bj = boost::json;

TEST(ToolCallArguments, ParsesChecksAndInjectsTheSession) {
  const bj::value schema_required = bj::parse(R"({"type":"object","required":["a"]})");
  const bj::value schema_free = bj::parse(R"({"type":"object","properties":{}})");
  auto c = prepare_call("c1", "calc__add", R"({"a":1})", &schema_required, "s1");
  ASSERT_TRUE(c.arguments);
  EXPECT_EQ(bj::serialize(*c.arguments), R"({"a":1})");
  c = prepare_call("c1", "calc__add", "  ", &schema_required, "s1");
  EXPECT_FALSE(c.arguments);
  EXPECT_TRUE(c.missing_arguments);
  EXPECT_EQ(c.error_text, "Tool calc__add requires arguments but none were provided.");
  c = prepare_call("c1", "t", "", &schema_free, "s1");
  ASSERT_TRUE(c.arguments);
  EXPECT_TRUE(c.arguments->empty());
  c = prepare_call("c1", "t", "{bad", nullptr, "s1");
  EXPECT_TRUE(c.error_text.starts_with("Invalid JSON arguments for tool t: ")) << c.error_text;
  c = prepare_call("c1", "t", "[1]", nullptr, "s1");
  EXPECT_EQ(c.error_text, "Tool t expected a JSON object for arguments but received array.");
  c = prepare_call("c1", "housekeeping__chat_history", "{}", nullptr, "sess-9");
  EXPECT_EQ(c.arguments->at("session_id"), "sess-9");
  c = prepare_call("c1", "chat_history", R"({"session_id":"other"})", nullptr, "sess-9");
  EXPECT_EQ(c.arguments->at("session_id"), "other");
}

TEST(ToolCallFollowups, FollowTheSpecRulesInOrder) {
  PreparedCall ok{"c", "t", bj::object{}, "", false};
  PreparedCall missing{"c", "t", std::nullopt, "x", true};
  EXPECT_EQ(followup_reason(missing, "error", "x"), "missing_arguments");
  EXPECT_EQ(followup_reason(ok, "error", "Event NOT FOUND"), "no_results");
  EXPECT_EQ(followup_reason(ok, "error", "Tool error: boom"), "tool_error");
  EXPECT_EQ(followup_reason(ok, "finished", "  \n"), "empty_result");
  EXPECT_EQ(followup_reason(ok, "finished", "No events found today"), "no_results");
  EXPECT_EQ(followup_reason(ok, "finished", "42"), std::nullopt);
}

TEST(ToolRefusal, RecognisesTheProvidersToolUseRefusal) {
  EXPECT_TRUE(is_tool_refusal(
      404, R"({"error":{"message":"No endpoints found that support tool use.","code":404}})"));
  EXPECT_FALSE(is_tool_refusal(400, R"({"error":{"message":"No endpoints found that support tool use."}})"));
  EXPECT_FALSE(is_tool_refusal(404, R"({"error":{"message":"Model not found"}})"));
  EXPECT_TRUE(is_tool_refusal(404, "this model does not support tool use"));
}
