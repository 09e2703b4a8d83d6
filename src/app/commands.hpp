// The commands behind the CLI: each returns the process exit code.
#pragma once

#include <string>
#include <vector>

#include "mcp/command_line_client.hpp"

namespace parley::app {

int serve();
int set_password(bool from_stdin);
// `parley migrate`: apply the database migrations without serving.
int migrate_database();
// `parley backup PATH`: copy the SQLite database with the online backup API (PostgreSQL: a pg_dump hint).
int backup_database(const std::string& destination);
// `parley mcp tools|call`: `server` is a configured id or a URL, or `command` (given after `--`) is set.
int mcp_tools(const std::string& server, const std::vector<std::string>& command,
              const mcp::CommandLineOptions& options);
// `parley mcp-server <name>`: one built-in MCP server on stdin/stdout (legacy module names accepted).
int run_mcp_server(const std::string& name);
int mcp_call(const std::string& server, const std::vector<std::string>& command, const std::string& tool,
             const std::string& arguments_json, const mcp::CommandLineOptions& options);

}  // namespace parley::app
