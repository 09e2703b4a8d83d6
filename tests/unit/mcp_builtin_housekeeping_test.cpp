// The housekeeping server's tools through its JSON-RPC entry point, with a fixed clock and a fake history.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <cstdlib>
#include <ctime>

#include "core/json.hpp"
#include "mcp/builtin/servers.hpp"
#include "mcp_builtin_test_support.hpp"
#include "scoped_time_zone.hpp"

using namespace parley::mcp::builtin;
using parley::Result;
namespace bj = boost::json;
using namespace std::chrono;

namespace {

using parley::test::ScopedTimeZone;
using test_support::call;

const bj::object& structured(const bj::object& result) {
  return result.at("structuredContent").as_object();
}

HistoryMessage message(std::int64_t id, std::string role, std::string content) {
  HistoryMessage m;
  m.message_id = id;
  m.role = std::move(role);
  m.content = std::move(content);
  m.client_message_id = "c" + std::to_string(id);
  m.created_at = system_clock::time_point(seconds(1762610592 + id));  // 2025-11-08T14:03:12Z + id
  return m;
}

}  // namespace

TEST(McpBuiltinHousekeeping, TestEcho) {
  auto server = make_housekeeping_server({});
  auto r = call(server, "test_echo", {{"message", "hello wörld"}, {"uppercase", true}});
  EXPECT_EQ(r.at("isError"), false);
  EXPECT_EQ(structured(r).at("message"), "HELLO WöRLD");
  EXPECT_EQ(structured(r).at("uppercase"), true);
  EXPECT_EQ(structured(call(server, "test_echo", {{"message", "as is"}})).at("message"), "as is");
  auto bad = call(server, "test_echo", {{"message", 5}});
  EXPECT_EQ(bad.at("isError"), true);
  EXPECT_EQ(bad.at("content").at(0).at("text"), "Argument 'message' must be a string, got a number.");
  EXPECT_EQ(call(server, "test_echo", {}).at("content").at(0).at("text"), "Argument 'message' is required.");
}

TEST(McpBuiltinHousekeeping, CurrentTimeInTheDisplayZone) {
  ScopedTimeZone zone("America/New_York");
  HousekeepingOptions options;
  options.now = [] { return system_clock::time_point(microseconds(1762610592250000)); };  // 14:03:12.25Z
  auto server = make_housekeeping_server(std::move(options));
  auto r = structured(call(server, "current_time", {}));
  EXPECT_EQ(r.at("format"), "iso");
  EXPECT_EQ(r.at("value"), "2025-11-08T09:03:12-05:00");
  EXPECT_EQ(r.at("utc_iso"), "2025-11-08T14:03:12Z");
  EXPECT_EQ(r.at("utc_unix"), 1762610592);
  EXPECT_DOUBLE_EQ(r.at("utc_unix_precise").as_double(), 1762610592.25);
  EXPECT_EQ(r.at("local_iso"), "2025-11-08T09:03:12-05:00");
  EXPECT_EQ(r.at("local_abbreviation"), "EST");
  EXPECT_EQ(r.at("local_display"), "Saturday, November 08, 2025 09:03:12 AM EST");
  EXPECT_EQ(r.at("local_offset"), "UTC-05:00");
  EXPECT_EQ(r.at("timezone"), "America/New_York");
  ASSERT_EQ(r.at("context_lines").as_array().size(), 4u);
  EXPECT_EQ(r.at("context_lines").at(0), "Current date: 2025-11-08 (Saturday)");
  EXPECT_NE(r.at("context_summary").as_string().find("America/New_York"), bj::string::npos);
  auto unix_form = structured(call(server, "current_time", {{"format", "unix"}}));
  EXPECT_EQ(unix_form.at("value"), 1762610592);
  auto bad = call(server, "current_time", {{"format", "rfc"}});
  EXPECT_EQ(bad.at("isError"), true);
  EXPECT_EQ(bad.at("content").at(0).at("text"), "Argument 'format' must be one of 'iso', 'unix', got 'rfc'.");
}

TEST(McpBuiltinHousekeeping, ChatHistoryLimitsOrderAndTruncation) {
  ScopedTimeZone zone("UTC");
  std::string asked;
  HousekeepingOptions options;
  options.load_history =
      [&](const std::string& session) -> parley::Result<std::vector<HistoryMessage>, parley::mcp::Failure> {
    asked = session;
    if (session != "s1") return std::vector<HistoryMessage>{};
    std::vector<HistoryMessage> all{message(1, "system", "prompt")};
    for (int i = 2; i <= 30; ++i)
      all.push_back(message(i, i % 2 == 0 ? "user" : "assistant", "m" + std::to_string(i)));
    all.push_back(message(31, "user", std::string(1990, 'a') + "éééééééééééééééé"));  // 2006 characters
    return all;
  };
  auto server = make_housekeeping_server(std::move(options));

  auto r = structured(call(server, "chat_history", {{"session_id", "s1"}}));
  EXPECT_EQ(asked, "s1");
  EXPECT_EQ(r.at("session_id"), "s1");
  EXPECT_EQ(r.at("total_available"), 30);  // the system row is left out
  EXPECT_EQ(r.at("applied_limit"), 20);
  EXPECT_EQ(r.at("newest_first"), false);
  const auto& msgs = r.at("messages").as_array();
  ASSERT_EQ(msgs.size(), 20u);
  EXPECT_EQ(msgs[0].at("position"), 11);  // the 20 most recent, oldest first
  EXPECT_EQ(msgs[0].at("index"), 0);
  EXPECT_EQ(msgs[0].at("message_id"), 12);
  EXPECT_EQ(msgs[0].at("client_message_id"), "c12");
  EXPECT_TRUE(msgs[0].at("parent_client_message_id").is_null());
  EXPECT_EQ(msgs[0].at("created_at_utc"), "2025-11-08T14:03:24+00:00");
  const auto& newest_row = msgs[19].as_object();
  EXPECT_EQ(newest_row.at("position"), 30);
  EXPECT_EQ(newest_row.at("truncated"), true);
  EXPECT_EQ(newest_row.at("content").as_string().size(),
            1990u + 10u * 2u);  // 2000 characters, whole UTF-8 sequences
  EXPECT_EQ(msgs[18].at("truncated"), false);

  auto newest =
      structured(call(server, "chat_history", {{"session_id", "s1"}, {"limit", 3}, {"newest_first", true}}));
  const auto& n = newest.at("messages").as_array();
  ASSERT_EQ(n.size(), 3u);
  EXPECT_EQ(n[0].at("message_id"), 31);
  EXPECT_EQ(n[0].at("index"), 0);
  EXPECT_EQ(n[2].at("message_id"), 29);
  EXPECT_EQ(n[2].at("index"), 2);

  EXPECT_EQ(
      structured(call(server, "chat_history", {{"session_id", "s1"}, {"limit", 1000}})).at("applied_limit"),
      100);
  EXPECT_EQ(
      structured(call(server, "chat_history", {{"session_id", "s1"}, {"limit", 0}})).at("applied_limit"), 1);
  auto empty = structured(call(server, "chat_history", {{"session_id", "unknown"}}));
  EXPECT_EQ(empty.at("total_available"), 0);
  EXPECT_TRUE(empty.at("messages").as_array().empty());

  EXPECT_EQ(call(server, "chat_history", {}).at("isError"), true);
  EXPECT_EQ(call(server, "chat_history", {{"session_id", "s1"}, {"limit", "ten"}}).at("isError"), true);
}

TEST(McpBuiltinHousekeeping, AStoreFailureIsAToolError) {
  HousekeepingOptions options;
  options.load_history =
      [](const std::string&) -> parley::Result<std::vector<HistoryMessage>, parley::mcp::Failure> {
    return parley::mcp::fail("database is locked");
  };
  auto server = make_housekeeping_server(std::move(options));
  auto r = call(server, "chat_history", {{"session_id", "s"}});
  EXPECT_EQ(r.at("isError"), true);
  EXPECT_EQ(r.at("content").at(0).at("text"), "Could not read the chat history: database is locked");
}
