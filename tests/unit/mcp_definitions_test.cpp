// MCP server definitions, the data/mcp_servers.json document, tool naming and result capping.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "core/json.hpp"
#include "mcp/definitions_store.hpp"
#include "mcp/server_definition.hpp"
#include "mcp/session.hpp"
#include "mcp/tool_naming.hpp"
#include "mcp/tool_result.hpp"

namespace bj = boost::json;
using namespace parley::mcp;

namespace {

std::optional<ServerDefinition> parse(std::string_view text, parley::ValidationErrors& errors) {
  return parse_definition(bj::parse(text), parley::loc({"body", "servers", 0}), errors);
}

}  // namespace

TEST(McpDefinition, CommandStringIsSplitLikeAShell) {
  auto words = split_command_line(R"(node "my server.js" --name 'a b' c\ d "x\"y")");
  ASSERT_TRUE(words);
  EXPECT_EQ(*words, (std::vector<std::string>{"node", "my server.js", "--name", "a b", "c d", "x\"y"}));
  std::string why;
  EXPECT_FALSE(split_command_line("node 'open", &why));
  EXPECT_EQ(why, "unterminated single quote");
  EXPECT_FALSE(split_command_line("x\\"));
}

TEST(McpDefinition, ParsesEveryFieldAndNormalizes) {
  parley::ValidationErrors errors;
  auto def = parse(R"({"id":"s","command":"node s.js","env":{"A":"1"},"disabled_tools":["b",3,"a","b"],
                      "contexts":"work","tool_overrides":{"t":{"contexts":["x","x"]}},"enabled":"false"})",
                   errors);
  ASSERT_TRUE(def) << parley::json::serialize(errors.to_error().detail);
  EXPECT_EQ(*def->command, (std::vector<std::string>{"node", "s.js"}));
  EXPECT_EQ(*def->disabled_tools, (std::vector<std::string>{"a", "b"}));  // a sorted set, non-strings dropped
  EXPECT_EQ(def->contexts, std::vector<std::string>{"work"});
  EXPECT_EQ(*def->tool_overrides["t"].contexts, std::vector<std::string>{"x"});
  EXPECT_FALSE(def->enabled);
}

TEST(McpDefinition, TypeErrorsCarryFieldPaths) {
  parley::ValidationErrors errors;
  EXPECT_FALSE(parse(R"({"command":["a",1],"env":{"A":2},"extra":1})", errors));
  const auto detail = errors.to_error().detail;
  const auto text = parley::json::serialize(detail);
  EXPECT_NE(text.find(R"("loc":["body","servers",0,"id"])"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("loc":["body","servers",0,"command",1])"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("loc":["body","servers",0,"env","A"])"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("type":"extra_forbidden")"), std::string::npos) << text;
  parley::ValidationErrors empty_command;
  EXPECT_FALSE(parse(R"({"id":"x","command":[]})", empty_command));
}

TEST(McpDefinition, TransportRules) {
  ServerDefinition d;
  d.id = "x";
  EXPECT_EQ(*check_definition_rules(d, true),
            "Define exactly one of 'module', 'command' or 'url' for MCP server 'x'");
  d.module = "backend.mcp_servers.calculator_server";
  EXPECT_FALSE(check_definition_rules(d, true));
  d.module = "nope";
  EXPECT_EQ(*check_definition_rules(d, true), "Unknown built-in MCP server module: nope");
  EXPECT_FALSE(check_definition_rules(d, false));  // files and presets keep it; the server fails at start
  d.module.reset();
  d.url = "ftp://x";
  EXPECT_TRUE(check_definition_rules(d, true));
  d.url = "https://x/mcp";
  d.headers = std::map<std::string, std::string>{{"A", "b"}};
  EXPECT_FALSE(check_definition_rules(d, true));
  d.url.reset();
  d.command = std::vector<std::string>{"x"};
  EXPECT_TRUE(check_definition_rules(d, true));  // headers without url
}

TEST(McpDefinition, PatchIgnoresNullsAndForbidsId) {
  ServerDefinition stored;
  stored.id = "s";
  stored.command = std::vector<std::string>{"x"};
  stored.disabled_tools = std::vector<std::string>{"t"};
  auto patched = apply_patch(stored, bj::parse(R"({"enabled":false,"disabled_tools":null,"command":null})"));
  ASSERT_TRUE(patched);
  EXPECT_FALSE(patched->enabled);
  EXPECT_EQ(*patched->disabled_tools, std::vector<std::string>{"t"});
  EXPECT_EQ(*patched->command, std::vector<std::string>{"x"});
  auto with_id = apply_patch(stored, bj::parse(R"({"id":"other"})"));
  ASSERT_FALSE(with_id);
  EXPECT_EQ(with_id.error().kind, parley::ErrorKind::invalid_content);
  auto two_transports = apply_patch(stored, bj::parse(R"({"url":"http://h/"})"));
  ASSERT_FALSE(two_transports);
  EXPECT_EQ(two_transports.error().detail,
            bj::value("Define exactly one of 'module', 'command' or 'url' for MCP server 's'"));
}

TEST(McpDefinition, VariableExpansion) {
  auto lookup = [](const std::string& n) -> std::optional<std::string> {
    if (n == "TOKEN") return std::string("abc");
    return std::nullopt;
  };
  EXPECT_EQ(expand_variables("Bearer ${TOKEN}", lookup).text, "Bearer abc");
  EXPECT_EQ(expand_variables("$${TOKEN} and ${TOKEN}", lookup).text, "${TOKEN} and abc");
  EXPECT_EQ(expand_variables("${MISSING}", lookup).undefined_variable, "MISSING");
}

TEST(McpDefinition, APreRegisteredOAuthClientRoundTripsAndRestartsTheServerWhenChanged) {
  parley::ValidationErrors errors;
  auto def = parse(R"({"id":"gh","url":"https://api.example.com/mcp",
                      "oauth":{"client_id":"app-1","client_secret":"${GH_SECRET}","scope":"repo"}})",
                   errors);
  ASSERT_TRUE(def) << parley::json::serialize(errors.to_error().detail);
  ASSERT_TRUE(def->oauth);
  EXPECT_EQ(def->oauth->client_id, "app-1");
  EXPECT_EQ(*def->oauth->client_secret, "${GH_SECRET}");
  EXPECT_EQ(*def->oauth->scope, "repo");
  EXPECT_FALSE(check_definition_rules(*def, true));
  const auto file = definition_to_file_json(*def);
  EXPECT_EQ(file.at("oauth"),
            bj::parse(R"({"client_id":"app-1","client_secret":"${GH_SECRET}","scope":"repo"})"));
  parley::ValidationErrors again;
  auto back = parse_definition(file, parley::loc({"x"}), again);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, *def);
  bj::object api;
  write_definition_api_fields(*def, api);
  EXPECT_EQ(api.at("oauth"), file.at("oauth"));
  // Without one, neither shape gains the key (existing clients read the same responses).
  ServerDefinition plain = *def;
  plain.oauth.reset();
  bj::object plain_api;
  write_definition_api_fields(plain, plain_api);
  EXPECT_FALSE(plain_api.contains("oauth"));
  EXPECT_FALSE(definition_to_file_json(plain).contains("oauth"));
  EXPECT_FALSE(plain.same_connection(*def));  // a new client means a new connection

  auto patched = apply_patch(*def, bj::parse(R"({"oauth":{"client_id":"app-2"}})"));
  ASSERT_TRUE(patched);
  EXPECT_EQ(patched->oauth->client_id, "app-2");
  EXPECT_FALSE(patched->oauth->client_secret);

  ServerDefinition stdio;
  stdio.id = "local";
  stdio.command = std::vector<std::string>{"x"};
  stdio.oauth = OAuthClientConfig{"a", std::nullopt, std::nullopt};
  EXPECT_EQ(*check_definition_rules(stdio, true),
            "'oauth' is only allowed together with 'url' (MCP server 'local')");
}

TEST(McpDefinition, AnOAuthClientNeedsAnIdAndNothingElse) {
  for (const char* bad : {R"({"client_secret":"s"})", R"({"client_id":""})", R"({"client_id":"a","x":1})",
                          R"("app")", R"({"client_id":["a"]})", R"({"client_id":"a","scope":3})"}) {
    parley::ValidationErrors errors;
    const std::string text = std::string(R"({"id":"s","url":"https://h/mcp","oauth":)") + bad + "}";
    EXPECT_FALSE(parse(text, errors)) << bad;
    const auto detail = parley::json::serialize(errors.to_error().detail);
    EXPECT_NE(detail.find(R"("body","servers",0,"oauth")"), std::string::npos) << detail;
  }
}

TEST(McpDefinitionsDocument, LoadsEntryByEntryAndKeepsLegacyModules) {
  std::vector<std::string> problems;
  auto servers = parse_definitions_document(R"({"servers":[
      {"id":"calc","module":"backend.mcp_servers.calculator_server","env":{},"contexts":[],"disabled_tools":[],"tool_overrides":{}},
      {"id":"bad","command":"x","url":"http://h/"},
      {"id":"dup","command":"one"},
      {"id":"other","module":"unknown.module"},
      {"id":"dup","command":"two"}]})",
                                            problems);
  ASSERT_TRUE(servers);
  ASSERT_EQ(servers->size(), 3u);
  EXPECT_EQ((*servers)[0].id, "calc");
  EXPECT_EQ((*servers)[1].id, "other");
  EXPECT_EQ((*servers)[2].id, "dup");  // the later duplicate wins and moves to the end
  EXPECT_EQ((*(*servers)[2].command)[0], "two");
  EXPECT_EQ(problems.size(), 1u);
  const auto written = serialize_definitions_document(*servers);
  EXPECT_NE(written.find("\"module\": \"backend.mcp_servers.calculator_server\""), std::string::npos)
      << written;
  EXPECT_NE(written.find("\"disabled_tools\": []"), std::string::npos);
  EXPECT_EQ(written.back(), '\n');
  // A bare array loads too; an object without servers is invalid.
  EXPECT_TRUE(parse_definitions_document(R"([{"id":"a","command":"x"}])", problems));
  EXPECT_FALSE(parse_definitions_document(R"({"other":[]})", problems));
  EXPECT_FALSE(parse_definitions_document("{", problems));
}

TEST(McpDefinitionsDocument, DefaultsFollowTheBootstrapRule) {
  auto without_google = default_definitions(false);
  ASSERT_EQ(without_google.size(), 6u);
  EXPECT_EQ(without_google[0].id, "local-calculator");
  EXPECT_EQ(without_google[5].id, "custom-pdf");
  EXPECT_TRUE(without_google[0].enabled);
  EXPECT_FALSE(without_google[2].enabled);  // custom-calendar needs a Google client file
  EXPECT_TRUE(default_definitions(true)[2].enabled);
}

TEST(McpToolNaming, SanitizesAndHashesLongNames) {
  EXPECT_EQ(sanitize_tool_name("a.b c/d"), "a_b_c_d");
  const std::string long_name(80, 'x');
  const auto s = sanitize_tool_name(long_name);
  EXPECT_EQ(s.size(), 64u);
  EXPECT_EQ(s.substr(0, 56), std::string(55, 'x') + "_");
  EXPECT_EQ(s, sanitize_tool_name(long_name));  // stable
  EXPECT_NE(s, sanitize_tool_name(std::string(79, 'x') + "y"));
}

TEST(McpToolNaming, BareWhenUniquePrefixedOnClashOrPrefixSkippedWhenTaken) {
  std::vector<NamingServer> servers{
      {"a", false, true, {"echo", "add", "hidden"}, {"hidden"}},
      {"b", false, true, {"echo", "b__x"}, {}},
      {"pre", true, true, {"sum"}, {}},
      {"down", false, false, {"echo", "lonely"}, {}},
      {"b", true, true, {"x"}, {}},  // prefixed "b__x" again: the later one is skipped
  };
  std::vector<std::string> warnings;
  auto named = name_tools(servers, warnings);
  auto find = [&](std::size_t s, std::size_t t) {
    for (const auto& n : named) {
      if (n.server == s && n.tool == t) return n;
    }
    return NamedTool{};
  };
  EXPECT_EQ(find(0, 0).qualified_name, "a__echo");
  EXPECT_EQ(find(0, 1).qualified_name, "add");
  EXPECT_FALSE(find(0, 2).exposed);
  EXPECT_EQ(find(1, 0).qualified_name, "b__echo");
  EXPECT_EQ(find(2, 0).qualified_name, "pre__sum");
  EXPECT_FALSE(find(3, 1).exposed);
  EXPECT_EQ(find(3, 1).qualified_name, "down__lonely");
  EXPECT_TRUE(find(1, 1).exposed);
  EXPECT_FALSE(find(4, 0).exposed);
  EXPECT_EQ(warnings.size(), 1u);
}

TEST(McpToolResult, RendersEveryContentTypeAndCapsWithANote) {
  auto parsed = parse_tool_call_result(bj::parse(R"({"content":[{"type":"text","text":"hello"},
      {"type":"image","data":"AAAA","mimeType":"image/png"},{"type":"audio","data":"AAAA","mimeType":"audio/wav"},
      {"type":"resource_link","uri":"file:///a","name":"a"},
      {"type":"resource","resource":{"uri":"file:///b","text":"inside"}}],
      "structuredContent":{"k":1},"isError":true})"));
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(parsed.value().is_error);
  const auto text = render_tool_result_text(parsed.value());
  EXPECT_NE(text.find("hello"), std::string::npos);
  EXPECT_NE(text.find("[image: image/png, 3 bytes]"), std::string::npos);
  EXPECT_NE(text.find("[audio: audio/wav"), std::string::npos);
  EXPECT_NE(text.find("[resource link: file:///a (a)]"), std::string::npos);
  EXPECT_NE(text.find("inside"), std::string::npos);
  auto only_structured = parse_tool_call_result(bj::parse(R"({"structuredContent":{"k":1}})"));
  EXPECT_EQ(render_tool_result_text(only_structured.value()), R"({"k":1})");
  EXPECT_FALSE(parse_tool_call_result(bj::parse(R"({"content":"x"})")));
  std::string big = "é" + std::string(100, 'a');
  EXPECT_TRUE(cap_tool_result_text(big, 1));  // would split the two-byte é
  EXPECT_EQ(big.rfind("\n\n[Tool result truncated by parley: 0 of 102 bytes shown.", 0), 0u) << big;
  std::string small = "ok";
  EXPECT_FALSE(cap_tool_result_text(small, 10));
}

TEST(McpToolsPage, PaginationCursorAndBadShapes) {
  std::vector<ToolDescription> tools;
  auto next = parse_tools_page(
      bj::parse(
          R"({"tools":[{"name":"a","inputSchema":{"type":"object"}},{"name":""},7],"nextCursor":"c2"})"),
      tools);
  ASSERT_TRUE(next);
  EXPECT_EQ(next.value(), "c2");
  ASSERT_EQ(tools.size(), 1u);
  EXPECT_TRUE(tools[0].input_schema.is_object());
  EXPECT_FALSE(parse_tools_page(bj::parse(R"({"nope":[]})"), tools));
  EXPECT_TRUE(is_supported_protocol_version("2025-03-26"));
  EXPECT_FALSE(is_supported_protocol_version("2099-01-01"));
}
