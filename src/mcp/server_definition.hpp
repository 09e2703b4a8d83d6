// MCP server definitions (api.md §7.1): parsing with field-path validation errors, the transport rules, PATCH
// merging, and the two JSON shapes (the file's, nulls omitted; the API's, every key present).
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace parley::mcp {

struct ToolOverride {
  std::optional<std::vector<std::string>> contexts;
  // Tool approval: "allow" (run it, the default), "ask" (the person approves each call in the chat) or
  // "deny" (never run; the model reads the refusal). nullopt: allow.
  std::optional<std::string> approval;
  bool operator==(const ToolOverride&) const = default;
};

// The OAuth client parley was registered as beforehand with a remote server's authorization server, for
// servers that offer neither dynamic registration nor Client ID Metadata Documents (GitHub's, for one). The
// secret may name environment variables (${VAR}) like header values, so the file need not hold it.
struct OAuthClientConfig {
  std::string client_id;
  std::optional<std::string> client_secret;  // absent: a public client (token endpoint auth "none")
  std::optional<std::string> scope;          // asked for instead of what the server's metadata suggests
  bool operator==(const OAuthClientConfig&) const = default;
};

struct ServerDefinition {
  std::string id;
  bool enabled = true;
  std::optional<std::string> module;
  std::optional<std::vector<std::string>> command;
  std::optional<std::string> url;
  std::optional<std::map<std::string, std::string>> headers;
  std::optional<std::string> cwd;
  std::map<std::string, std::string> env;
  std::optional<std::string> tool_prefix;
  std::optional<std::vector<std::string>> disabled_tools;  // sorted, unique
  std::vector<std::string> contexts;                       // de-duplicated, order kept
  std::map<std::string, ToolOverride> tool_overrides;
  std::optional<OAuthClientConfig> oauth;  // url servers only

  bool operator==(const ServerDefinition&) const = default;
  // The fields whose change restarts the server (§2.17): module, command, url, headers, cwd, env, and oauth.
  [[nodiscard]] bool same_connection(const ServerDefinition& other) const;
  [[nodiscard]] bool is_stdio() const { return !url.has_value(); }
};

// The built-in server a `module` value names ("calculator" for "backend.mcp_servers.calculator_server"), or
// nullopt for an unknown value.
std::optional<std::string> builtin_server_name(std::string_view module);

// Splits a command string like a POSIX shell (whitespace, quotes, backslashes) without running one.
std::optional<std::vector<std::string>> split_command_line(std::string_view text,
                                                           std::string* error = nullptr);

// Replaces ${VAR} using `lookup`; "$${" writes a literal "${". Fails naming the first undefined variable.
struct ExpandResult {
  std::string text;
  std::string undefined_variable;  // non-empty on failure
};
template <class Lookup>
ExpandResult expand_variables(std::string_view text, const Lookup& lookup);

// Parses one definition; type problems are added to `errors` under `loc` (e.g. ["body","servers",0]).
// Extra keys are forbidden.
std::optional<ServerDefinition> parse_definition(const boost::json::value& value,
                                                 const boost::json::array& loc, ValidationErrors& errors);
// The cross-field rules: exactly one of module/command/url, headers only with url, url scheme and, when
// `reject_unknown_modules`, a known built-in module. Returns the readable 422 detail.
std::optional<std::string> check_definition_rules(const ServerDefinition& def, bool reject_unknown_modules);
// Applies a PATCH body (keys with null values ignored; `id` and unknown keys forbidden).
Result<ServerDefinition> apply_patch(const ServerDefinition& stored, const boost::json::value& body);

boost::json::object definition_to_file_json(const ServerDefinition& def);
// The definition keys of the status response and of preset mcp_servers entries (every key present).
void write_definition_api_fields(const ServerDefinition& def, boost::json::object& out);

}  // namespace parley::mcp

#include "mcp/server_definition_expand.ipp"
