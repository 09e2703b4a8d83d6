// `parley mcp tools` and `parley mcp call`: talk to one MCP server directly, for people debugging a server.
#pragma once

#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/document_store.hpp"

namespace parley::mcp {

struct CommandLineTarget {
  std::string server;                // a configured id or an http(s) URL; empty when `command` is set
  std::vector<std::string> command;  // argv given after `--`
  DocumentStore* definitions =
      nullptr;  // where configured ids are looked up (the file or the settings table)
};

// Prints the server's tools as JSON; returns the exit code.
int print_server_tools(const Config& config, const CommandLineTarget& target);
// Calls one tool with a JSON object of arguments and prints the result as JSON; exit code 1 when the call
// failed or the tool reported isError.
int call_server_tool(const Config& config, const CommandLineTarget& target, const std::string& tool,
                     const std::string& arguments_json);

}  // namespace parley::mcp
