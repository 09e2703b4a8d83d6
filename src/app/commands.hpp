// The commands behind the CLI: each returns the process exit code.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "mcp/command_line_client.hpp"

namespace parley::app {

// The configuration from the environment and <home>/.env, with its secrets registered for redaction; nullopt
// after printing what is wrong.
std::optional<Config> load_config_or_report();
// PARLEY_DB_BACKUP_BEFORE_MIGRATE from the environment, else <home>/.env: false only for "0", "false", "no".
bool backup_before_migrate(const Config& config);

int serve();
int set_password(bool from_stdin);
// `parley migrate`: apply the database migrations without serving; `dry_run`: print the current and target
// schema versions and the migrations that would run, changing nothing.
int migrate_database(bool dry_run);
// `parley restore FILE`: replace the SQLite database with a backup (refused while a server holds the home).
int restore_database(const std::string& file);
// `parley doctor`: check the home and print a report; 1 when a check failed.
int doctor();
// `parley backup PATH`: copy the SQLite database with the online backup API (PostgreSQL: a pg_dump hint).
int backup_database(const std::string& destination);
// `parley mcp tools|call`: `server` is a configured id or a URL, or `command` (given after `--`) is set.
int mcp_tools(const std::string& server, const std::vector<std::string>& command,
              const mcp::CommandLineOptions& options);
// `parley mcp-server <name>`: one built-in MCP server on stdin/stdout (legacy module names accepted).
int run_mcp_server(const std::string& name);
// `parley keys create|list|revoke` (the OpenAI-compatible API's keys).
struct KeysCommand {
  std::string action;  // create | list | revoke
  std::string name;
  std::vector<std::string> models;
  std::vector<std::string> mcp_servers;
  bool mcp_servers_given = false;
  std::optional<double> spending_cap_usd;
  bool store_history = false;
  bool json = false;
  std::string id;
};
int keys_command(const KeysCommand& command);
// `parley cert --self-signed HOST...`: a key and a self-signed certificate for HTTPS (PARLEY_TLS_*_FILE).
struct CertCommand {
  bool self_signed = false;
  std::vector<std::string> hosts;  // DNS names and IP addresses, as given
  std::string out_dir;             // default: <PARLEY_HOME>/data/tls
  int days = 825;
  bool force = false;
};
int cert_command(const CertCommand& command);
int mcp_call(const std::string& server, const std::vector<std::string>& command, const std::string& tool,
             const std::string& arguments_json, const mcp::CommandLineOptions& options);

}  // namespace parley::app
