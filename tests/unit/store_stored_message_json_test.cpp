// append_stored_message_json (the history body's writer) must write exactly the bytes of
// json::serialize(stored_message_object(...)) for every role and metadata shape.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/json.hpp"
#include "store/stored_message_object.hpp"

using namespace parley;
namespace bj = boost::json;

namespace {

store::StoredMessage message(std::int64_t id, std::string role, bj::value content,
                             std::string metadata = "{}") {
  store::StoredMessage m;
  m.id = id;
  m.session_id = "s";
  m.role = std::move(role);
  m.content = std::move(content);
  m.metadata = json::parse(metadata)->as_object();
  m.created_at = store::SystemTime(std::chrono::seconds(1762610592)) + std::chrono::microseconds(123456);
  return m;
}

std::vector<store::StoredMessage> samples() {
  std::vector<store::StoredMessage> out;
  out.push_back(message(1, "system", "be brief"));
  auto user =
      message(2, "user", "he said \"hi\"\n\t\\ \x01 caf\xc3\xa9 \xf0\x9f\x98\x80", R"({"name":"ann"})");
  user.client_message_id = "user_1";
  out.push_back(std::move(user));
  out.push_back(message(3, "user",
                        json::parse(R"([{"type":"text","text":"look"},{"type":"image_url",
    "image_url":{"url":"/api/files/a"}}])")
                            .value()));
  out.push_back(message(4, "user", nullptr, R"({"name":7})"));
  auto assistant = message(
      5, "assistant", "The answer is 42.",
      R"({"finish_reason":"stop","model":"openai/gpt-4o-mini","usage":{"prompt_tokens":181,"cost":0.0000314},
          "routing":null,"generation_id":"gen-1","tool_calls":[{"id":"c","type":"function"}],"extra":1,
          "reasoning":"r\u00e9","annotations":[],"error":{"message":"x"},"meta":{"a":[1,2.5,true,null]}})");
  assistant.client_message_id = "assistant_1";
  assistant.parent_client_message_id = "user_1";
  out.push_back(std::move(assistant));
  out.push_back(message(6, "assistant", nullptr));
  out.push_back(message(7, "tool", "42", R"({"tool_name":"calculator_evaluate","tool_status":"finished"})"));
  out.back().tool_call_id = "call_1";
  out.push_back(message(8, "tool", nullptr, R"({"tool_name":3,"tool_status":"error"})"));
  out.push_back(
      message(9, "tool", json::parse(R"({"type":"text","text":"a\"b"})").value(), R"({"tool_status":7})"));
  out.push_back(message(-10, "odd \"role\"", true));
  return out;
}

}  // namespace

TEST(StoredMessageJson, WritesTheBytesOfTheSerializedStoredMessageObject) {
  for (auto m : samples()) {
    auto copy = m;
    const auto expected = json::serialize(bj::value(store::stored_message_object(std::move(copy))));
    std::string written = "[";
    store::append_stored_message_json(m, {}, written);
    EXPECT_EQ(written.substr(1), expected) << "message " << m.id;
  }
}

TEST(StoredMessageJson, ReSignsStructuredContentAsTheObjectDoes) {
  int calls = 0;
  const store::AttachmentSigner signer = [&calls](bj::value& content) {
    ++calls;
    if (auto* fragments = content.if_array()) fragments->emplace_back("signed");
  };
  for (auto m : samples()) {
    auto copy = m;
    calls = 0;
    const auto expected = json::serialize(bj::value(store::stored_message_object(std::move(copy), signer)));
    const int object_calls = calls;
    calls = 0;
    std::string written;
    store::append_stored_message_json(m, signer, written);
    EXPECT_EQ(written, expected) << "message " << m.id;
    EXPECT_EQ(calls, object_calls) << "message " << m.id;
  }
}
