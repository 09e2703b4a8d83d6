// PARLEY_LOG_FORMAT=json (core/log_json): every line one valid JSON object with timestamp, level, request id,
// session id when known, message and fields; secrets masked in the message and the fields; invalid UTF-8
// repaired; control characters escaped.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "core/log_json.hpp"
#include "core/secret_values.hpp"

using namespace parley;

namespace {

boost::json::object parse_one_line(const std::string& line) {
  EXPECT_EQ(line.find('\n'), std::string::npos) << "one line: " << line;
  EXPECT_TRUE(json::is_valid_utf8(line));
  auto v = json::parse(line);
  EXPECT_TRUE(v && v->is_object()) << line;
  return v && v->is_object() ? v->as_object() : boost::json::object{};
}

// The lines the logger printed to stdout (before init() it writes there itself in JSON mode).
std::vector<std::string> captured_lines(const std::string& out) {
  std::vector<std::string> lines;
  std::size_t pos = 0;
  while (pos < out.size()) {
    const auto nl = out.find('\n', pos);
    lines.push_back(out.substr(pos, nl - pos));
    if (nl == std::string::npos) break;
    pos = nl + 1;
  }
  return lines;
}

class JsonFormat : public ::testing::Test {
 protected:
  void SetUp() override { log::set_format(log::Format::json); }
  void TearDown() override { log::set_format(log::Format::text); }
};

}  // namespace

TEST(LogJson, ParsesTheFormatName) {
  EXPECT_EQ(log::parse_format("json"), log::Format::json);
  EXPECT_EQ(log::parse_format("TEXT"), log::Format::text);
  EXPECT_FALSE(log::parse_format("xml"));
  EXPECT_FALSE(log::parse_format(""));
}

TEST(LogJson, AHostileMessageIsOneValidLine) {
  const std::string message = std::string("[req-1_a.b] said \"hi\"\nsecond line\ttab \x01 ") + "\xff\xc3(" +
                              " caf\xc3\xa9 \xed\xa0\x80 end";
  log::Context context;
  context.session_id = "sess\"ion";
  const auto line =
      log::json_line(std::chrono::system_clock::time_point(std::chrono::milliseconds(1700000000123)),
                     log::Level::warning, message, &context);
  const auto o = parse_one_line(line);
  EXPECT_EQ(o.at("timestamp").as_string(), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(o.at("level").as_string(), "warning");
  EXPECT_EQ(o.at("request_id").as_string(), "req-1_a.b") << "taken from the message's [id] prefix";
  EXPECT_EQ(o.at("session_id").as_string(), "sess\"ion");
  EXPECT_EQ(o.at("message").as_string(),
            "said \"hi\"\nsecond line\ttab \x01 \xef\xbf\xbd\xef\xbf\xbd( caf\xc3\xa9 "
            "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd end");
  EXPECT_FALSE(o.contains("fields"));
}

TEST(LogJson, TheContextsRequestIdWinsAndItsPrefixIsDropped) {
  log::Context same{"abc", "", {}};
  auto o = parse_one_line(
      log::json_line(std::chrono::system_clock::now(), log::Level::info, "[abc] GET /", &same));
  EXPECT_EQ(o.at("request_id").as_string(), "abc");
  EXPECT_EQ(o.at("message").as_string(), "GET /");
  log::Context other{"xyz", "", {}};
  o = parse_one_line(
      log::json_line(std::chrono::system_clock::now(), log::Level::info, "[abc] GET /", &other));
  EXPECT_EQ(o.at("request_id").as_string(), "xyz");
  EXPECT_EQ(o.at("message").as_string(), "[abc] GET /");
}

TEST(LogJson, NoPrefixNoRequestId) {
  for (const auto& m : std::vector<std::string>{"plain message", "[not an id!] x", "[] x",
                                                "[" + std::string(200, 'a') + "] x"}) {
    const auto o =
        parse_one_line(log::json_line(std::chrono::system_clock::now(), log::Level::info, m, nullptr));
    EXPECT_FALSE(o.contains("request_id")) << m;
    EXPECT_EQ(o.at("message").as_string(), m);
    EXPECT_FALSE(o.contains("session_id"));
  }
}

TEST(LogJson, ValidUtf8RepairsEveryBadSequence) {
  EXPECT_EQ(log::valid_utf8("ok \xc3\xa9"), "ok \xc3\xa9");
  EXPECT_EQ(log::valid_utf8("\xc0\xaf"), "\xef\xbf\xbd\xef\xbf\xbd") << "an overlong '/'";
  EXPECT_EQ(log::valid_utf8("a\xe2\x82"), "a\xef\xbf\xbd\xef\xbf\xbd") << "a truncated sequence at the end";
  EXPECT_EQ(log::valid_utf8(std::string("\0x", 2)), std::string("\0x", 2));
}

TEST_F(JsonFormat, SecretsAreMaskedInTheMessageAndTheFields) {
  const std::string secret = "test-only-logjson-value-0123456789abcdef";  // registered below, not a real key
  known_secrets().add(secret);
  log::Context context{
      "rid42", "session-7", {{"target", "/x?key=" + secret}, {"n", 3}, {"nested", {{"k", secret}}}}};
  ::testing::internal::CaptureStdout();
  log::write_with(log::Level::error, "upstream said \"" + secret + "\"\n\xff", context);
  log::write(log::Level::info, "[abc123] plain " + secret);
  const auto out = ::testing::internal::GetCapturedStdout();
  EXPECT_EQ(out.find(secret), std::string::npos) << out;
  const auto lines = captured_lines(out);
  ASSERT_EQ(lines.size(), 2u) << out;
  const auto first = parse_one_line(lines[0]);
  EXPECT_EQ(first.at("level").as_string(), "error");
  EXPECT_EQ(first.at("request_id").as_string(), "rid42");
  EXPECT_EQ(first.at("session_id").as_string(), "session-7");
  EXPECT_NE(first.at("message").as_string().find("[REDACTED]"), boost::json::string::npos);
  EXPECT_EQ(first.at("fields").at("n").as_int64(), 3);
  EXPECT_EQ(first.at("fields").at("nested").at("k").as_string(), "[REDACTED]");
  const auto second = parse_one_line(lines[1]);
  EXPECT_EQ(second.at("request_id").as_string(), "abc123");
  EXPECT_TRUE(second.at("message").as_string().starts_with("plain "));
  EXPECT_NE(second.at("message").as_string().find("[REDACTED]"), boost::json::string::npos);
}

TEST(LogJson, TextFormatWritesTheMessageAlone) {
  log::set_format(log::Format::text);
  ::testing::internal::CaptureStderr();
  log::write_with(log::Level::error, "[r1] text line", {"r1", "s1", {{"a", 1}}});
  const auto err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(err, "[r1] text line\n");
}
