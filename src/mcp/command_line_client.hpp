// `parley mcp tools` and `parley mcp call`: talk to one MCP server directly, for people debugging a server.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/document_store.hpp"
#include "mcp/oauth/authorization_flow.hpp"
#include "mcp/oauth/token_store.hpp"

namespace parley::mcp {

// How `parley mcp` answers a server's elicitation/create.
enum class CommandLineElicitation {
  automatic,        // ask on the terminal when stdin is one, else decline
  ask,              // ask on the terminal (stdin)
  accept_defaults,  // accept with the schema's defaults (SEP-1034); decline when a required field has none
  decline,
};
// "ask", "accept-defaults", "decline" or "" (automatic); nullopt for anything else.
std::optional<CommandLineElicitation> parse_elicitation_choice(const std::string& text);

struct CommandLineOptions {
  CommandLineElicitation elicitation = CommandLineElicitation::automatic;
  oauth::ClientSettings oauth;  // who parley is to the server's authorization server
  // Fetch the authorization URL and follow its redirects instead of asking a person (an authorization server
  // that approves at once: tests and the conformance suite).
  bool headless_authorization = false;
};

struct CommandLineTarget {
  std::string server;                // a configured id or an http(s) URL; empty when `command` is set
  std::vector<std::string> command;  // argv given after `--`
  DocumentStore* definitions =
      nullptr;  // where configured ids are looked up (the file or the settings table)
  std::shared_ptr<oauth::TokenStore> tokens;  // where OAuth tokens are kept; null: only for this run
};

// Prints the server's tools as JSON; returns the exit code.
int print_server_tools(const Config& config, const CommandLineTarget& target,
                       const CommandLineOptions& options = {});
// Calls one tool with a JSON object of arguments and prints the result as JSON; exit code 1 when the call
// failed or the tool reported isError.
int call_server_tool(const Config& config, const CommandLineTarget& target, const std::string& tool,
                     const std::string& arguments_json, const CommandLineOptions& options = {});

// `parley doctor`: each configured server, started the way parley starts it (remote servers without asking a
// person to authorize), with the number of tools it lists or why it could not.
struct ServerProbe {
  std::string id;
  bool enabled = true;               // disabled servers are listed, not started
  std::optional<std::size_t> tools;  // set when the server started and listed its tools
  std::string error;
};
// Empty `problem` and an empty list: no servers configured. `problem` set: the definitions are unreadable.
// Remote servers use the OAuth tokens in `tokens` (refreshing them as serve would); one that needs a person
// to authorize fails with that reason instead of waiting for one.
std::vector<ServerProbe> probe_configured_servers(const Config& config, DocumentStore* definitions,
                                                  std::shared_ptr<oauth::TokenStore> tokens,
                                                  std::chrono::seconds timeout, std::string& problem);

}  // namespace parley::mcp
