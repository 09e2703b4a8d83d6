#include "chat/conversation_import.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

using parley::chat::imported_title;
using parley::chat::read_import;
namespace bj = boost::json;

namespace {

const auto kNow = std::chrono::system_clock::time_point(std::chrono::seconds(1762610592));

// The 422's first message and location, for assertions.
std::string problem_of(const char* json) {
  auto r = read_import(bj::parse(json), kNow);
  if (r) return "no problem";
  const auto error = r.error();  // a copy: result::error() returns by value
  const auto& item = error.detail.as_array().at(0).as_object();
  EXPECT_EQ(error.kind, parley::ErrorKind::invalid_content);
  return bj::serialize(item.at("loc")) + " " + std::string(item.at("msg").as_string());
}

const char* kChatGpt = R"json([{
  "title": "Trip planning", "create_time": 1700000000.5, "current_node": "n4",
  "mapping": {
    "root": {"id": "root", "message": null, "parent": null, "children": ["n0"]},
    "n0": {"id": "n0", "parent": "root", "children": ["n1"], "message": {"author": {"role": "system"},
           "content": {"content_type": "text", "parts": [""]}, "metadata": {"is_visually_hidden_from_conversation": true}}},
    "n1": {"id": "n1", "parent": "n0", "children": ["n2", "n2b"], "message": {"author": {"role": "user"}, "create_time": 1700000001,
           "content": {"content_type": "text", "parts": ["Where to go?"]}}},
    "n2b": {"id": "n2b", "parent": "n1", "children": [], "message": {"author": {"role": "assistant"},
           "content": {"content_type": "text", "parts": ["An abandoned branch"]}}},
    "n2": {"id": "n2", "parent": "n1", "children": ["n3"], "message": {"author": {"role": "assistant"}, "recipient": "browser",
           "content": {"content_type": "code", "text": "search('x')"
}
}
}
, "n3" : {
  "id" : "n3",
  "parent" : "n2",
  "children" : ["n4"],
  "message" : {
    "author" : {"role" : "tool"},
    "content" : {"content_type" : "tether_browsing_display", "result" : "..."}
  }
},
         "n4" : {
  "id" : "n4", "parent" : "n3", "children" : [], "message" : {
    "author" : {"role" : "assistant"},
               "create_time" : 1700000009,
               "content" : {
                 "content_type" : "multimodal_text",
                 "parts" : [ "Try Lisbon.", {"asset_pointer" : "file-service://x"} ]
               },
                           "metadata" : {
      "model_slug" : "gpt-4o"
    }
  }
}
}
}, {"title": "Empty", "mapping": {"a": {"id": "a", "parent": null, "children": [], "message": null}}, "current_node": "a"}])json";

}  // namespace

TEST(ConversationImport, ChatGptFollowsCurrentNodeToTheRootAndKeepsWhatAReaderSaw) {
  auto plan = read_import(bj::parse(kChatGpt), kNow);
  ASSERT_TRUE(plan) << bj::serialize(plan.error().detail);
  EXPECT_EQ(plan->format, "chatgpt");
  ASSERT_EQ(plan->conversations.size(), 1u);
  const auto& c = plan->conversations[0];
  EXPECT_EQ(c.title, "Trip planning");
  ASSERT_EQ(c.messages.size(), 2u);
  EXPECT_EQ(c.messages[0].role, "user");
  EXPECT_EQ(c.messages[0].content, "Where to go?");
  EXPECT_EQ(c.messages[0].created_at,
            std::chrono::system_clock::time_point(std::chrono::seconds(1700000001)));
  EXPECT_EQ(c.messages[1].role, "assistant");
  EXPECT_EQ(c.messages[1].content, "Try Lisbon.");
  EXPECT_EQ(c.messages[1].metadata.at("model"), "gpt-4o");
  EXPECT_EQ(c.messages[1].parent_client_message_id, c.messages[0].client_message_id);
  EXPECT_EQ(c.messages[1].metadata.at("client_message_id"), bj::value(*c.messages[1].client_message_id));
  // The tool call, the tool's output and the image part are left out and counted.
  EXPECT_EQ(c.skipped_messages, 3u);
  ASSERT_EQ(plan->skipped.size(), 1u);
  EXPECT_EQ(plan->skipped[0].index, 1u);
  EXPECT_EQ(plan->skipped[0].title, "Empty");
}

TEST(ConversationImport, ChatGptWithoutCurrentNodeTakesTheNewestLeaf) {
  auto plan = read_import(bj::parse(R"({"title":null,"mapping":{
    "u":{"parent":null,"children":["a1","a2"],"message":{"author":{"role":"user"},"content":{"content_type":"text","parts":["q"]}}},
    "a1":{"parent":"u","children":[],"message":{"create_time":5,"author":{"role":"assistant"},"content":{"content_type":"text","parts":["old"]}}},
    "a2":{"parent":"u","children":[],"message":{"create_time":9,"author":{"role":"assistant"},"content":{"content_type":"text","parts":["new"]}}}}})"),
                          kNow);
  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->conversations.size(), 1u);
  EXPECT_FALSE(plan->conversations[0].title);
  EXPECT_EQ(plan->conversations[0].messages.back().content, "new");
}

TEST(ConversationImport, HostileChatGptFilesAreRefusedWithWhereAndWhy) {
  EXPECT_EQ(
      problem_of(
          R"([{"mapping":{"a":{"parent":"b","message":null},"b":{"parent":"a","message":null}},"current_node":"a"}])"),
      R"(["body",0,"mapping"] Value error, the mapping's parent links form a cycle)");
  EXPECT_EQ(problem_of(R"([{"mapping":{"a":{"parent":"a"}},"current_node":"a"}])"),
            R"(["body",0,"mapping"] Value error, the mapping's parent links form a cycle)");
  EXPECT_EQ(problem_of(R"([{"title":"x"}])"),
            R"(["body",0,"mapping"] Value error, a ChatGPT conversation needs a mapping object)");
  EXPECT_EQ(problem_of(R"([{"mapping":[]}])"),
            R"(["body",0,"mapping"] Value error, a ChatGPT conversation needs a mapping object)");
  EXPECT_EQ(problem_of(R"([{"mapping":{"a":7},"current_node":"a"}])"),
            R"(["body",0,"mapping","a"] Value error, a mapping node must be an object)");
  EXPECT_EQ(problem_of(R"([{"mapping":{"a":{"parent":3}},"current_node":"a"}])"),
            R"(["body",0,"mapping","a","parent"] Value error, parent must be a node id or null)");
  EXPECT_EQ(problem_of(R"([{"mapping":{},"current_node":5}])"),
            R"(["body",0,"current_node"] Value error, current_node must be a node id or null)");
  EXPECT_EQ(problem_of(R"([1])"), R"(["body",0] Value error, a conversation must be an object)");
  EXPECT_EQ(
      problem_of(R"("text")"),
      R"(["body"] Value error, this is neither a parley export (an object with messages, or with conversations) )"
      R"(nor a ChatGPT conversations.json (a list of conversations with a mapping))");
  EXPECT_EQ(problem_of(R"({"unrelated":true})").substr(0, 30), R"(["body"] Value error, this is )");
  // Nonsense that is structurally fine imports nothing and says so per conversation.
  auto plan = read_import(
      bj::parse(R"([{"mapping":{"a":{"parent":"missing","message":{"author":{"role":7},"content":"x",
    "create_time":1e300}}},"current_node":"nowhere"}])"),
      kNow);
  ASSERT_TRUE(plan);
  EXPECT_TRUE(plan->conversations.empty());
  EXPECT_EQ(plan->skipped.size(), 1u);
}

TEST(ConversationImport, TimesOutsideWhatTheClockHoldsAreReplacedNotOverflowed) {
  // Found by the fuzzer: a create_time in the year 2508 and a created_at_utc in 1012 overflowed system_clock.
  auto plan =
      read_import(bj::parse(R"([{"create_time":17000000200,"current_node":"u","mapping":{"u":{"parent":null,
    "message":{"create_time":-5,"author":{"role":"user"},"content":{"content_type":"text","parts":["q"]}}}}}])"),
                  kNow);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->conversations.at(0).messages.at(0).created_at, kNow);
  auto parley = read_import(
      bj::parse(R"({"messages":[{"role":"user","content":"a","created_at_utc":"1012-11-08T14:03:12Z"}]})"),
      kNow);
  ASSERT_TRUE(parley);
  EXPECT_EQ(parley->conversations.at(0).messages.at(0).created_at, kNow);
}

TEST(ConversationImport, AChatGptMappingOfManyNodesIsWalkedWithoutRecursion) {
  std::string doc = R"([{"current_node":"n99999","mapping":{)";
  for (int i = 0; i < 100000; ++i) {
    if (i) doc += ',';
    doc += "\"n" + std::to_string(i) +
           "\":{\"parent\":" + (i ? "\"n" + std::to_string(i - 1) + "\"" : "null") +
           R"(,"message":{"author":{"role":")" + (i % 2 ? "assistant" : "user") +
           R"("},"content":{"content_type":"text","parts":["m"]}}})";
  }
  doc += "}}]";
  auto plan = read_import(bj::parse(doc), kNow);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->conversations.at(0).messages.size(), 100000u);
  EXPECT_EQ(problem_of((doc.substr(0, doc.size() - 3) + R"(,"extra":{"parent":null}}}])").c_str()),
            R"(["body",0,"mapping"] Value error, more than 100000 nodes in one conversation)");
}

TEST(ConversationImport, ParleyExportsKeepRolesToolRowsCitationsAndTimes) {
  auto plan = read_import(bj::parse(R"({"session_id":"s1","title":"Old\ttitle","messages":[
    {"message_id":1,"role":"system","content":"ctx","client_message_id":null,"created_at_utc":"2025-11-08T14:03:12Z"},
    {"message_id":2,"role":"user","content":[{"type":"text","text":"look"},{"type":"image_url","image_url":{"url":"/api/files/x"},
      "metadata":{"attachment_id":"a","filename":"cat.png"}}],"client_message_id":"user_1","created_at_utc":"2025-11-08T14:03:13Z"},
    {"message_id":3,"role":"assistant","content":null,"client_message_id":"assistant_1","parent_client_message_id":"user_1",
      "tool_calls":[{"id":"c1","type":"function","function":{"name":"calc","arguments":"{}"}}],"model":"m","usage":"not an object"},
    {"message_id":4,"role":"tool","content":null,"result":"42","tool_call_id":"c1","name":"calc","status":"error",
      "parent_client_message_id":"assistant_1"},
    {"message_id":5,"role":"assistant","content":"A cat.","client_message_id":"assistant_1",
      "annotations":[{"type":"url_citation","url_citation":{"url":"https://cats.example"}}]}]})"),
                          kNow);
  ASSERT_TRUE(plan) << bj::serialize(plan.error().detail);
  EXPECT_EQ(plan->format, "parley");
  const auto& c = plan->conversations.at(0);
  EXPECT_EQ(c.title, "Old title");
  ASSERT_EQ(c.messages.size(), 5u);
  EXPECT_EQ(c.messages[0].created_at, kNow);
  EXPECT_EQ(bj::serialize(c.messages[1].content),
            R"([{"type":"text","text":"look"},{"type":"text","text":"[attachment not imported: cat.png]"}])");
  EXPECT_EQ(c.skipped_messages, 1u);
  EXPECT_EQ(c.messages[2].metadata.at("tool_calls").as_array().size(), 1u);
  EXPECT_FALSE(c.messages[2].metadata.contains("usage"));
  EXPECT_EQ(c.messages[3].content, "42");
  EXPECT_EQ(c.messages[3].tool_call_id, "c1");
  EXPECT_EQ(c.messages[3].metadata.at("tool_status"), "error");
  EXPECT_EQ(c.messages[4].metadata.at("annotations").as_array().size(), 1u);
  EXPECT_EQ(c.messages[4].client_message_id, "assistant_1");
}

TEST(ConversationImport, ParleyBundlesAndHostileParleyFiles) {
  auto plan = read_import(bj::parse(R"({"format":"parley.conversations","conversations":[
    {"messages":[{"role":"user","content":"hi"}]}, {"messages":[{"role":"system","content":"only"}]}]})"),
                          kNow);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->format, "parley_bundle");
  EXPECT_EQ(plan->conversations.size(), 1u);
  ASSERT_EQ(plan->skipped.size(), 1u);
  EXPECT_EQ(plan->skipped[0].reason, "no user or assistant message");
  EXPECT_EQ(problem_of(R"({"conversations":{}})"),
            R"(["body","conversations"] Value error, conversations must be a list)");
  EXPECT_EQ(
      problem_of(
          R"({"conversations":[{"messages":[{"role":"user","content":"a"}]},{"messages":[{"role":"robot","content":"x"}]}]})"),
      R"(["body","conversations",1,"messages",0,"role"] Value error, role must be system, user, assistant or tool, not "robot")");
  EXPECT_EQ(
      problem_of(R"({"messages":[{"content":"x"}]})"),
      R"(["body","messages",0,"role"] Value error, a message needs a role (system, user, assistant or tool))");
  EXPECT_EQ(
      problem_of(R"({"messages":[{"role":"user","content":5}]})"),
      R"(["body","messages",0,"content"] Value error, content must be a string, a list of fragments or null)");
  EXPECT_EQ(problem_of(R"({"messages":"x"})"),
            R"(["body","messages"] Value error, a parley conversation needs a messages list)");
  EXPECT_EQ(problem_of(R"({"messages":[[]]})"),
            R"(["body","messages",0] Value error, a message must be an object)");
  // Client ids with control characters or of absurd length are dropped, not stored.
  auto odd =
      read_import(bj::parse(R"({"messages":[{"role":"user","content":"a","client_message_id":"x\u0001y"},
    {"role":"user","content":"b","client_message_id":")" +
                            std::string(300, 'z') + R"("}]})"),
                  kNow);
  ASSERT_TRUE(odd);
  EXPECT_FALSE(odd->conversations[0].messages[0].client_message_id);
  EXPECT_FALSE(odd->conversations[0].messages[1].client_message_id);
}

TEST(ConversationImport, TitlesAreCleanedAndCut) {
  EXPECT_EQ(imported_title("  a\nb\x7f "), "a b");
  EXPECT_FALSE(imported_title(" \t "));
  std::string long_title;
  for (int i = 0; i < 250; ++i) long_title += "é";
  EXPECT_EQ(imported_title(long_title)->size(), 400u);  // 200 two-byte characters
}
