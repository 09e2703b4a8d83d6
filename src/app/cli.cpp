#include "app/cli.hpp"

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string_view>

#include "app/commands.hpp"
#include "core/atomic_file.hpp"
#include "core/config.hpp"
#include "core/secret_values.hpp"
#include "mcp/command_line_client.hpp"

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

struct McpClientFlags {
  std::string elicitation;
  mcp::oauth::ClientSettings oauth;
  std::string private_key_file;
  bool headless_authorization = false;
};

// The options `parley mcp tools` and `parley mcp call` share: how to answer elicitation, and who parley is
// to an OAuth authorization server. Secrets come from the environment (PARLEY_MCP_CLIENT_SECRET,
// PARLEY_MCP_IDP_ID_TOKEN, PARLEY_MCP_IDP_CLIENT_SECRET) or a file, never from the command line that `ps`
// shows.
void add_mcp_client_options(CLI::App* command, McpClientFlags& flags) {
  command->add_option("--client-id", flags.oauth.client_id,
                      "OAuth client id parley is registered under at the server's authorization server "
                      "(secret: PARLEY_MCP_CLIENT_SECRET)");
  command->add_option("--client-metadata-url", flags.oauth.client_metadata_url,
                      "URL of a Client ID Metadata Document describing parley, used as its client id where "
                      "the authorization server supports it");
  command->add_flag("--client-credentials", flags.oauth.client_credentials,
                    "Authorize as the client itself (client credentials grant), without a person");
  command->add_option("--private-key-file", flags.private_key_file,
                      "PEM private key for private_key_jwt client authentication");
  command->add_option("--signing-algorithm", flags.oauth.signing_algorithm, "ES256 or RS256")
      ->check(CLI::IsMember({"ES256", "RS256"}));
  command->add_option("--idp-token-endpoint", flags.oauth.idp_token_endpoint,
                      "Enterprise identity provider's token endpoint: its ID token "
                      "(PARLEY_MCP_IDP_ID_TOKEN) is exchanged for an ID-JAG (SEP-990)");
  command->add_option("--idp-client-id", flags.oauth.idp_client_id,
                      "parley's client id at the identity provider (secret: PARLEY_MCP_IDP_CLIENT_SECRET)");
  command->add_flag("--headless-authorization", flags.headless_authorization,
                    "Open the authorization URL without a browser, following its redirects (for an "
                    "authorization server that approves at once; tests)");
  std::string& elicitation = flags.elicitation;
  command
      ->add_option(
          "--elicitation", elicitation,
          "How to answer a server's request for input: ask (on the terminal), accept-defaults (the "
          "form's defaults, SEP-1034) or decline [default: ask when stdin is a terminal, else decline]")
      ->check(CLI::IsMember({"ask", "accept-defaults", "decline"}));
}

// The secrets of the OAuth options, from the environment and the key file.
bool read_oauth_secrets(const std::string& private_key_file, mcp::oauth::ClientSettings& oauth) {
  auto from_env = [](const char* name) {
    const char* v = std::getenv(name);
    return v ? std::string(v) : std::string();
  };
  oauth.client_secret = from_env("PARLEY_MCP_CLIENT_SECRET");
  oauth.idp_id_token = from_env("PARLEY_MCP_IDP_ID_TOKEN");
  oauth.idp_client_secret = from_env("PARLEY_MCP_IDP_CLIENT_SECRET");
  for (const auto* secret : {&oauth.client_secret, &oauth.idp_id_token, &oauth.idp_client_secret}) {
    if (!secret->empty()) known_secrets().add(*secret);
  }
  if (private_key_file.empty()) return true;
  std::error_code ec;
  auto pem = read_file(private_key_file, ec);
  if (!pem) {
    std::cerr << "parley mcp: cannot read the private key " << private_key_file << ": " << ec.message()
              << "\n";
    return false;
  }
  oauth.private_key_pem = std::move(*pem);
  return true;
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
  bool dry_run = false;
  migrate_cmd->add_flag("--dry-run", dry_run,
                        "Print the current and target schema versions and each migration that would run, "
                        "changing nothing");
  std::string restore_path;
  auto* restore_cmd = app.add_subcommand(
      "restore", "Replace the SQLite database with a backup FILE (parley must not be running on this home)");
  restore_cmd->add_option("file", restore_path, "a backup made by `parley backup` (or a stopped database)")
      ->required();
  auto* doctor_cmd = app.add_subcommand(
      "doctor",
      "Check the home (configuration, upstream, database, storage, MCP servers, permissions, clock)");
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
  McpClientFlags mcp_flags;
  add_mcp_client_options(mcp_tools_cmd, mcp_flags);
  std::vector<std::string> call_args;
  auto* mcp_call_cmd = mcp_cmd->add_subcommand("call",
                                               "Call a tool: parley mcp call <configured id | URL> <tool> "
                                               "'<json args>', or parley mcp call <tool> '<json "
                                               "args>' -- command args...");
  mcp_call_cmd->add_option("args", call_args, "[server] tool [json arguments]")->required();
  add_mcp_client_options(mcp_call_cmd, mcp_flags);

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
  auto* servers_opt =
      keys_create->add_option("--mcp-server", keys.mcp_servers,
                              "an MCP server whose tools the key gets (repeat; default: all enabled)");
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

  CertCommand cert;
  auto* cert_cmd = app.add_subcommand(
      "cert", "Make a certificate for HTTPS: parley cert --self-signed HOST... (DNS names and IP addresses)");
  cert_cmd
      ->add_flag("--self-signed", cert.self_signed,
                 "an ECDSA P-256 key and a self-signed certificate for the hosts")
      ->required();
  cert_cmd->add_option("hosts", cert.hosts, "host names and IP addresses the certificate is for")->required();
  cert_cmd->add_option("--out", cert.out_dir,
                       "folder for cert.pem and key.pem [default: <PARLEY_HOME>/data/tls]");
  cert_cmd->add_option("--days", cert.days, "validity in days (1-825) [default: 825]");
  cert_cmd->add_flag("--force", cert.force, "replace an existing cert.pem and key.pem");

  // CLI11's own idiom: help, version and parse errors are printed and end with CLI11's exit code.
  CLI11_PARSE(app, argc, argv);
  if (passwd_cmd->parsed()) return set_password(from_stdin);
  if (migrate_cmd->parsed()) return migrate_database(dry_run);
  if (restore_cmd->parsed()) return restore_database(restore_path);
  if (doctor_cmd->parsed()) return doctor();
  if (backup_cmd->parsed()) return backup_database(backup_path);
  if (mcp_server_cmd->parsed()) return run_mcp_server(builtin_name);
  if (cert_cmd->parsed()) return cert_command(cert);
  if (keys_cmd->parsed()) {
    keys.action = keys_create->parsed() ? "create" : keys_list->parsed() ? "list" : "revoke";
    keys.mcp_servers_given = servers_opt->count() > 0 || no_tools;
    if (no_tools) keys.mcp_servers.clear();
    if (cap_opt->count() > 0) keys.spending_cap_usd = cap;
    return keys_command(keys);
  }
  mcp::CommandLineOptions mcp_options;
  mcp_options.elicitation =
      mcp::parse_elicitation_choice(mcp_flags.elicitation).value_or(mcp_options.elicitation);
  mcp_options.oauth = mcp_flags.oauth;
  mcp_options.headless_authorization = mcp_flags.headless_authorization;
  if ((mcp_tools_cmd->parsed() || mcp_call_cmd->parsed()) &&
      !read_oauth_secrets(mcp_flags.private_key_file, mcp_options.oauth)) {
    return 2;
  }
  if (mcp_tools_cmd->parsed()) {
    if (mcp_command.empty() == tools_args.empty() || tools_args.size() > 1) {
      std::cerr << "parley mcp tools: give exactly one of <server id or URL> and `-- command args...`\n";
      return 2;
    }
    return mcp_tools(mcp_command.empty() ? tools_args.front() : std::string(), mcp_command, mcp_options);
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
    return mcp_call(server, mcp_command, tool, json, mcp_options);
  }
  (void)serve_cmd;
  return serve();
}

}  // namespace parley::app
