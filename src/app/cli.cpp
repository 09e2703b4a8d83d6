#include "app/cli.hpp"

#include <CLI/CLI.hpp>
#include <sstream>

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

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (passwd_cmd->parsed()) return set_password(from_stdin);
  (void)serve_cmd;
  return serve();
}

}  // namespace parley::app
