#include "app/cli.hpp"

#include <CLI/CLI.hpp>
#include <iostream>
#include <sstream>
#include <string_view>

#include "app/commands.hpp"
#include "core/config.hpp"

namespace parley::app {

namespace {

std::string environment_help() {
  std::ostringstream out;
  out << "\nConfiguration (environment variables, or KEY=value lines in <PARLEY_HOME>/.env; the environment "
         "wins):\n";
  for (const auto& v : config_variables()) {
    out << "  " << v.name;
    if (*v.aliases) out << " (" << v.aliases << ")";
    out << "\n      " << v.meaning << " [default: " << v.default_text << "]\n";
  }
  out << "\nLogging levels: <PARLEY_HOME>/logging_settings.conf (terminal, sessions, conversations = "
         "debug|info|warning|off; retention_hours).\n";
  return out.str();
}

}  // namespace

int run_cli(int argc, char** argv) {
  CLI::App app{"parley: a self-hosted AI chat server (OpenRouter streaming, MCP tools, SQLite/PostgreSQL)"};
  app.footer(environment_help());
  app.set_version_flag("--version,-V", std::string("parley ") + PARLEY_VERSION);
  app.require_subcommand(0, 1);

  auto* serve_cmd = app.add_subcommand("serve", "Run the HTTP server (the default command)");
  auto* passwd_cmd = app.add_subcommand("passwd", "Set the login password (enables authentication)");
  bool from_stdin = false;
  passwd_cmd->add_flag("--stdin", from_stdin,
                       "Read the password once from standard input instead of the terminal");

  auto* migrate_cmd = app.add_subcommand("migrate", "Apply the database migrations and exit");
  std::string backup_path;
  auto* backup_cmd =
      app.add_subcommand("backup", "Copy the SQLite database to PATH while parley may be running");
  backup_cmd->add_option("path", backup_path, "destination file (must not exist)")->required();

  // `parley mcp tools|call ... -- command args...`: everything after `--` is the server's argv.
  std::vector<std::string> mcp_command;
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--") {
      for (int j = i + 1; j < argc; ++j) mcp_command.emplace_back(argv[j]);
      argc = i;
      break;
    }
  }
  auto* mcp_cmd = app.add_subcommand("mcp", "Talk to one MCP server directly (debugging)");
  mcp_cmd->require_subcommand(1);
  std::vector<std::string> tools_args;
  auto* mcp_tools_cmd = mcp_cmd->add_subcommand("tools",
                                                "List a server's tools: parley mcp tools <configured id | "
                                                "URL>, or parley mcp tools -- command args...");
  mcp_tools_cmd->add_option("server", tools_args, "configured server id or http(s) URL");
  std::vector<std::string> call_args;
  auto* mcp_call_cmd = mcp_cmd->add_subcommand("call",
                                               "Call a tool: parley mcp call <configured id | URL> <tool> "
                                               "'<json args>', or parley mcp call <tool> '<json "
                                               "args>' -- command args...");
  mcp_call_cmd->add_option("args", call_args, "[server] tool [json arguments]")->required();

  std::string builtin_name;
  auto* mcp_server_cmd = app.add_subcommand(
      "mcp-server",
      "Run a built-in MCP server on stdin/stdout (parley starts these itself): calculator, "
      "housekeeping or pdf");
  mcp_server_cmd->add_option("name", builtin_name, "built-in server name (legacy module names accepted)")
      ->required();

  KeysCommand keys;
  auto* keys_cmd = app.add_subcommand("keys", "API keys of the OpenAI-compatible API (/v1)");
  keys_cmd->require_subcommand(1);
  auto* keys_create = keys_cmd->add_subcommand("create", "Create a key (printed once on standard output)");
  keys_create->add_option("--name", keys.name, "a name that says who uses the key")->required();
  keys_create->add_option("--model", keys.models, "a model the key may use (repeat; default: any)");
  auto* servers_opt = keys_create->add_option(
      "--mcp-server", keys.mcp_servers, "an MCP server whose tools the key gets (repeat; default: all enabled)");
  bool no_tools = false;
  keys_create->add_flag("--no-tools", no_tools, "offer no MCP tools to this key's requests");
  double cap = 0;
  auto* cap_opt = keys_create->add_option("--cap", cap, "spending cap in USD (upstream cost)");
  keys_create->add_flag("--store-history", keys.store_history,
                        "store this key's exchanges as conversations visible in the UI");
  auto* keys_list = keys_cmd->add_subcommand("list", "List the keys with their usage");
  keys_list->add_flag("--json", keys.json, "print JSON");
  auto* keys_revoke = keys_cmd->add_subcommand("revoke", "Revoke a key by its id");
  keys_revoke->add_option("id", keys.id, "the key's id (parley keys list)")->required();

  // CLI11's own idiom: help, version and parse errors are printed and end with CLI11's exit code.
  CLI11_PARSE(app, argc, argv);
  if (passwd_cmd->parsed()) return set_password(from_stdin);
  if (migrate_cmd->parsed()) return migrate_database();
  if (backup_cmd->parsed()) return backup_database(backup_path);
  if (mcp_server_cmd->parsed()) return run_mcp_server(builtin_name);
  if (keys_cmd->parsed()) {
    keys.action = keys_create->parsed() ? "create" : keys_list->parsed() ? "list" : "revoke";
    keys.mcp_servers_given = servers_opt->count() > 0 || no_tools;
    if (no_tools) keys.mcp_servers.clear();
    if (cap_opt->count() > 0) keys.spending_cap_usd = cap;
    return keys_command(keys);
  }
  if (mcp_tools_cmd->parsed()) {
    if (mcp_command.empty() == tools_args.empty() || tools_args.size() > 1) {
      std::cerr << "parley mcp tools: give exactly one of <server id or URL> and `-- command args...`\n";
      return 2;
    }
    return mcp_tools(mcp_command.empty() ? tools_args.front() : std::string(), mcp_command);
  }
  if (mcp_call_cmd->parsed()) {
    const std::size_t server_words = mcp_command.empty() ? 1 : 0;
    if (call_args.size() < server_words + 1 || call_args.size() > server_words + 2) {
      std::cerr
          << "parley mcp call: expected <server> <tool> '<json args>' or <tool> '<json args>' -- command "
             "args...\n";
      return 2;
    }
    const std::string server = server_words ? call_args[0] : std::string();
    const std::string tool = call_args[server_words];
    const std::string json = call_args.size() > server_words + 1 ? call_args[server_words + 1] : "{}";
    return mcp_call(server, mcp_command, tool, json);
  }
  (void)serve_cmd;
  return serve();
}

}  // namespace parley::app
