// The built-in servers' JSON-RPC side over in-memory streams: negotiation, listing, calls, cancellation,
// and every kind of malformed line.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <chrono>
#include <sstream>
#include <thread>

#include "core/json.hpp"
#include "core/redact.hpp"
#include "mcp/builtin/servers.hpp"
#include "mcp/transport_factory.hpp"

using namespace parley::mcp::builtin;
namespace bj = boost::json;

namespace {

StdioServer echo_server() {
  std::vector<Tool> tools;
  tools.push_back(Tool{"echo", "Echo", schema(R"({"type":"object","properties":{"text":{"type":"string"}}})"),
                       [](const bj::object& a, const CallContext&) {
                         const auto* t = a.if_contains("text");
                         if (t == nullptr || !t->is_string()) return error_result("text is required");
                         return text_result(t->get_string());
                       }});
  tools.push_back(
      Tool{"explode", "Throws", schema(R"({"type":"object"})"),
           [](const bj::object&, const CallContext&) -> bj::object { throw std::runtime_error("boom"); }});
  return StdioServer(ServerInfo{"test-server", "1.2.3", "Be nice."}, std::move(tools));
}

bj::object answer(StdioServer& server, std::string_view line) {
  auto out = server.handle_line(line);
  EXPECT_TRUE(out.has_value()) << line;
  if (!out) return {};
  EXPECT_EQ(out->find('\n'), std::string::npos);  // one message, one line
  return bj::parse(*out).as_object();
}

std::int64_t error_code(const bj::object& response) {
  return response.at("error").at("code").as_int64();
}

}  // namespace

TEST(McpBuiltinServer, InitializeNegotiatesTheProtocolVersion) {
  auto server = echo_server();
  for (const auto* version : {"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"}) {
    auto r =
        answer(server,
               std::string(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":")") +
                   version + R"(","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})");
    EXPECT_EQ(r.at("result").at("protocolVersion"), version);
  }
  auto r =
      answer(server,
             R"({"jsonrpc":"2.0","id":"a","method":"initialize","params":{"protocolVersion":"1999-01-01"}})");
  EXPECT_EQ(r.at("id"), "a");
  const auto& result = r.at("result").as_object();
  EXPECT_EQ(result.at("protocolVersion"), "2025-11-25");
  EXPECT_EQ(result.at("serverInfo").at("name"), "test-server");
  EXPECT_EQ(result.at("serverInfo").at("version"), "1.2.3");
  EXPECT_EQ(result.at("instructions"), "Be nice.");
  EXPECT_TRUE(result.at("capabilities").at("tools").is_object());
  EXPECT_EQ(
      answer(server, R"({"jsonrpc":"2.0","id":2,"method":"initialize"})").at("result").at("protocolVersion"),
      "2025-11-25");
}

TEST(McpBuiltinServer, NotificationsPingAndListing) {
  auto server = echo_server();
  EXPECT_FALSE(server.handle_line(R"({"jsonrpc":"2.0","method":"notifications/initialized"})"));
  EXPECT_FALSE(server.handle_line(R"({"jsonrpc":"2.0","method":"notifications/unknown","params":[1]})"));
  EXPECT_FALSE(server.handle_line(R"({"jsonrpc":"2.0","id":9,"result":{}})"));  // a response: nothing to say
  EXPECT_FALSE(server.handle_line("   "));
  EXPECT_FALSE(server.handle_line("\r"));
  EXPECT_EQ(answer(server, R"({"jsonrpc":"2.0","id":3,"method":"ping"})").at("result"), bj::object{});
  auto list = answer(server, R"({"jsonrpc":"2.0","id":4,"method":"tools/list","params":{}})");
  const auto& tools = list.at("result").at("tools").as_array();
  ASSERT_EQ(tools.size(), 2u);
  EXPECT_EQ(tools[0].at("name"), "echo");
  EXPECT_EQ(tools[0].at("inputSchema").at("type"), "object");
  EXPECT_FALSE(list.at("result").as_object().contains("nextCursor"));
  EXPECT_EQ(
      error_code(answer(server, R"({"jsonrpc":"2.0","id":5,"method":"tools/list","params":{"cursor":"x"}})")),
      -32602);
}

TEST(McpBuiltinServer, CallsAndToolFailures) {
  auto server = echo_server();
  auto ok = answer(
      server,
      R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hi"}}})");
  EXPECT_EQ(ok.at("result").at("content").at(0).at("text"), "hi");
  EXPECT_EQ(ok.at("result").at("isError"), false);
  auto missing = answer(server, R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo"}})");
  EXPECT_EQ(missing.at("result").at("isError"), true);
  auto thrown =
      answer(server, R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"explode"}})");
  EXPECT_EQ(thrown.at("result").at("isError"), true);
  EXPECT_EQ(thrown.at("result").at("content").at(0).at("text"), "Internal error in tool explode: boom");
  auto unknown = answer(server, R"({"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"nope"}})");
  EXPECT_EQ(error_code(unknown), -32602);
  EXPECT_EQ(unknown.at("error").at("message"), "Unknown tool: nope");
  EXPECT_EQ(
      error_code(answer(server, R"({"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":7}})")),
      -32602);
  EXPECT_EQ(
      error_code(answer(
          server,
          R"({"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"echo","arguments":[1]}})")),
      -32602);
  EXPECT_EQ(error_code(answer(server, R"({"jsonrpc":"2.0","id":7,"method":"tools/call","params":[]})")),
            -32602);
}

TEST(McpBuiltinServer, MalformedLinesGetJsonRpcErrors) {
  auto server = echo_server();
  auto parse = answer(server, R"({"jsonrpc":"2.0","id":1,"method":"ping")");  // truncated
  EXPECT_EQ(error_code(parse), -32700);
  EXPECT_TRUE(parse.at("id").is_null());
  EXPECT_EQ(error_code(answer(server, "not json at all")), -32700);
  EXPECT_EQ(error_code(answer(server, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"p\xff\"}")),
            -32700);  // not UTF-8
  EXPECT_EQ(error_code(answer(server, "[]")), -32600);
  EXPECT_EQ(error_code(answer(server, R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])")), -32600);
  EXPECT_EQ(error_code(answer(server, "42")), -32600);
  auto no_version = answer(server, R"({"id":8,"method":"ping"})");
  EXPECT_EQ(error_code(no_version), -32600);
  EXPECT_EQ(no_version.at("id"), 8);
  EXPECT_EQ(error_code(answer(server, R"({"jsonrpc":"1.0","id":8,"method":"ping"})")), -32600);
  EXPECT_EQ(error_code(answer(server, R"({"jsonrpc":"2.0","id":8})")), -32600);
  EXPECT_EQ(error_code(answer(server, R"({"jsonrpc":"2.0","id":8,"method":5})")), -32600);
  EXPECT_EQ(error_code(answer(server, R"({"jsonrpc":"2.0","id":{"x":1},"method":"ping"})")), -32600);
  auto unknown = answer(server, R"({"jsonrpc":"2.0","id":"m","method":"resources/list"})");
  EXPECT_EQ(error_code(unknown), -32601);
  EXPECT_EQ(unknown.at("id"), "m");
}

TEST(McpBuiltinServer, ServeAnswersEveryLineAndSkipsOversizedOnes) {
  auto server = echo_server();
  std::istringstream in(
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-"
      "18\"}}\n"
      "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\r\n"
      "garbage\n"
      "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/"
      "call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"text\":\"" +
      std::string(300, 'x') +
      "\"}}}\n"
      "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/"
      "call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"text\":\"ok\"}}}\n"
      "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"ping\"}");  // last line without a newline
  std::ostringstream out;
  server.serve(in, out, 2, 200);
  std::istringstream lines(out.str());
  std::map<std::string, bj::object> by_id;
  std::string line;
  int count = 0;
  while (std::getline(lines, line)) {
    ++count;
    auto o = bj::parse(line).as_object();
    by_id[parley::json::serialize(o.at("id"))] = o;
  }
  EXPECT_EQ(count, 5);  // initialize, garbage, oversized, call 3, ping
  EXPECT_EQ(by_id.at("1").at("result").at("protocolVersion"), "2025-06-18");
  EXPECT_EQ(by_id.at("3").at("result").at("content").at(0).at("text"), "ok");
  EXPECT_EQ(by_id.at("4").at("result"), bj::object{});
  EXPECT_FALSE(by_id.contains("2"));  // the oversized call was discarded...
  EXPECT_EQ(by_id.at("null").at("error").at("code"),
            -32600);  // ...and reported (the garbage's -32700 shares null)
}

TEST(McpBuiltinServer, ACancelledCallGetsNoResponseWhileOthersContinue) {
  std::atomic<bool> saw_cancel{false};
  std::vector<Tool> tools;
  tools.push_back(Tool{"slow", "Waits for cancellation", schema(R"({"type":"object"})"),
                       [&](const bj::object&, const CallContext& c) {
                         const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
                         while (!c.cancelled() && std::chrono::steady_clock::now() < deadline) {
                           std::this_thread::sleep_for(std::chrono::milliseconds(2));
                         }
                         saw_cancel = c.cancelled();
                         return text_result("finished");
                       }});
  StdioServer server(ServerInfo{"t", "1", ""}, std::move(tools));
  // The cancel arrives while the slow call runs; the ping behind it is answered meanwhile.
  std::stringstream in;
  in << R"({"jsonrpc":"2.0","id":"slow-1","method":"tools/call","params":{"name":"slow"}})"
     << "\n"
     << R"({"jsonrpc":"2.0","id":2,"method":"ping"})"
     << "\n"
     << R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"slow-1","reason":"user"}})"
     << "\n"
     << R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"never-sent"}})"
     << "\n";
  std::ostringstream out;
  server.serve(in, out);
  EXPECT_TRUE(saw_cancel.load());
  EXPECT_EQ(out.str(), "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{}}\n");
}

// How parley launches a built-in server: `<parley> mcp-server <name>` with the home passed on (§7.3).
TEST(McpBuiltinSpawn, ModuleDefinitionsRunParleyWithItsHome) {
  parley::mcp::TransportEnvironment env;
  env.home = "/srv/parley-home";
  env.parley_executable = "/usr/local/bin/parley";
  env.process_env = {{"PATH", "/usr/bin"},
                     {"OPENROUTER_API_KEY", "sk-secret"},
                     {"PARLEY_HOME", "relative"},
                     {"S3_SECRET_ACCESS_KEY", "s3-secret"}};
  parley::mcp::ServerDefinition def;
  def.id = "calc";
  def.module = "backend.mcp_servers.calculator_server";
  def.cwd = "elsewhere";
  auto spec = parley::mcp::stdio_spawn_spec(def, env);
  ASSERT_TRUE(spec) << spec.error().message;
  EXPECT_EQ(spec.value().argv,
            (std::vector<std::string>{"/usr/local/bin/parley", "mcp-server", "calculator"}));
  EXPECT_EQ(spec.value().cwd, "/srv/parley-home/elsewhere");
  const auto& e = spec.value().environment;
  EXPECT_NE(std::find(e.begin(), e.end(), "PARLEY_HOME=/srv/parley-home"), e.end());
  EXPECT_EQ(std::find(e.begin(), e.end(), "PARLEY_HOME=relative"), e.end());
  EXPECT_EQ(std::find(e.begin(), e.end(), "OPENROUTER_API_KEY=sk-secret"), e.end());
  // Storage credentials reach the built-ins: the pdf server reads attachments from S3 like parley does.
  EXPECT_NE(std::find(e.begin(), e.end(), "S3_SECRET_ACCESS_KEY=s3-secret"), e.end());

  parley::mcp::ServerDefinition command;
  command.id = "other";
  command.command = std::vector<std::string>{"node", "server.js"};
  auto other = parley::mcp::stdio_spawn_spec(command, env);
  ASSERT_TRUE(other);
  const auto& oe = other.value().environment;
  EXPECT_NE(std::find(oe.begin(), oe.end(), "PARLEY_HOME=relative"), oe.end());  // untouched for others
  EXPECT_EQ(std::find(oe.begin(), oe.end(), "S3_SECRET_ACCESS_KEY=s3-secret"), oe.end());

  def.module = "spreadsheet";
  EXPECT_EQ(parley::mcp::stdio_spawn_spec(def, env).error().message,
            "Unknown built-in MCP server module: spreadsheet");
}

TEST(McpTransportFactory, APreRegisteredOAuthClientHasItsSecretExpandedAndRedacted) {
  parley::mcp::TransportEnvironment env;
  env.process_env = {{"GH_APP_SECRET", "gh-secret-value-7d1f"}};
  parley::mcp::ServerDefinition def;
  def.id = "gh";
  def.url = "https://api.example.com/mcp";
  auto none = parley::mcp::oauth_client_settings(def, env);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->client_id.empty());  // parley registers itself

  def.oauth = parley::mcp::OAuthClientConfig{"app-1", std::string("${GH_APP_SECRET}"), std::string("repo")};
  auto client = parley::mcp::oauth_client_settings(def, env);
  ASSERT_TRUE(client);
  EXPECT_EQ(client->client_id, "app-1");
  EXPECT_EQ(client->client_secret, "gh-secret-value-7d1f");
  EXPECT_EQ(client->scope, "repo");
  EXPECT_EQ(parley::global_redactor().redact("sent gh-secret-value-7d1f").find("gh-secret-value-7d1f"),
            std::string::npos);

  def.oauth->client_secret = "${NOT_DEFINED_ANYWHERE}";
  auto missing = parley::mcp::oauth_client_settings(def, env);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message,
            "the environment variable NOT_DEFINED_ANYWHERE used in oauth.client_secret is not defined");
}
