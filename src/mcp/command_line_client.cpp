#include "mcp/command_line_client.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/json/serialize.hpp>
#include <iostream>

#include <unistd.h>

#include "core/atomic_file.hpp"
#include "core/json.hpp"
#include "mcp/definitions_store.hpp"
#include "mcp/oauth/authorization_prompt.hpp"
#include "mcp/oauth/loopback_prompt.hpp"
#include "mcp/oauth/oauth_authorizer.hpp"
#include "mcp/session.hpp"
#include "mcp/terminal_elicitation.hpp"
#include "mcp/transport_factory.hpp"
#include "net/http_client.hpp"

namespace parley::mcp {

namespace asio = boost::asio;
namespace bj = boost::json;

namespace {

// The definition the target names; reads data/mcp_servers.json without bootstrapping or rewriting it.
Result<ServerDefinition, Failure> resolve_target(const Config& config, const CommandLineTarget& target) {
  ServerDefinition def;
  if (!target.command.empty()) {
    def.id = "cli";
    def.command = target.command;
    return def;
  }
  if (target.server.rfind("http://", 0) == 0 || target.server.rfind("https://", 0) == 0) {
    def.id = "cli";
    def.url = target.server;
    return def;
  }
  ReadError error;
  std::optional<StoredDocument> doc;
  if (target.definitions) doc = target.definitions->read("mcp_servers", error);
  const std::string where =
      target.definitions ? target.definitions->where("mcp_servers") : config.mcp_servers_path.string();
  if (!doc) {
    return fail("no MCP server definitions in " + where +
                (error.empty() ? std::string() : " (" + error.message + ")") +
                "; pass a URL or `-- command args...` instead of an id");
  }
  std::vector<std::string> problems;
  auto servers = parse_definitions_document(doc->text, problems);
  if (!servers) return fail(where + " is invalid");
  for (auto& s : *servers) {
    if (s.id == target.server) return s;
  }
  return fail("no MCP server with id '" + target.server + "' in " + where);
}

std::shared_ptr<ElicitationHandler> elicitation_handler(CommandLineElicitation choice,
                                                        const asio::any_io_executor& executor) {
  if (choice == CommandLineElicitation::automatic) {
    choice = ::isatty(STDIN_FILENO) ? CommandLineElicitation::ask : CommandLineElicitation::decline;
  }
  switch (choice) {
    case CommandLineElicitation::ask:
      return std::make_shared<TerminalElicitation>(executor);
    case CommandLineElicitation::accept_defaults:
      return std::make_shared<DefaultsElicitation>();
    case CommandLineElicitation::decline:
    case CommandLineElicitation::automatic:
      break;
  }
  return std::make_shared<DecliningElicitation>();
}

struct CliRun {
  int exit_code = 1;
  bj::value output;
  std::string error;
};

asio::awaitable<void> run_session(asio::any_io_executor strand, net::HttpClient* http, ServerDefinition def,
                                  TransportEnvironment* env, std::string tool, bj::object arguments,
                                  bool call, CommandLineOptions options,
                                  std::shared_ptr<oauth::TokenStore> tokens, CliRun* out) {
  if (def.url) {
    auto prompt = std::make_shared<oauth::LoopbackPrompt>(strand, *http, options.headless_authorization);
    env->authorizer_for = [strand, http, prompt, tokens, settings = options.oauth](
                              const ServerDefinition& d) -> std::shared_ptr<HttpAuthorizer> {
      return std::make_shared<oauth::OAuthAuthorizer>(strand, *http, *d.url, settings, tokens, prompt);
    };
  }
  auto transport = make_transport(strand, *http, def, *env);
  if (!transport) {
    out->error = transport.error().message;
    co_return;
  }
  auto session = std::make_shared<McpSession>(strand, def.id, transport.value());
  // A person at a terminal takes longer than a tool call's timeout.
  session->set_elicitation_handler(elicitation_handler(options.elicitation, strand),
                                   std::chrono::minutes(10));
  // A person authorizing in a browser takes longer than a server's answer.
  const bool person_may_authorize = def.url && !options.headless_authorization;
  const auto start_timeout = person_may_authorize ? std::chrono::seconds(330) : std::chrono::seconds(30);
  auto started = co_await session->start({}, start_timeout);
  if (!started) {
    out->error = started.error().message;
    co_await session->close();
    co_return;
  }
  if (!call) {
    auto tools = co_await session->list_tools(std::chrono::seconds(30));
    if (!tools) {
      out->error = tools.error().message;
    } else {
      bj::array list;
      for (const auto& t : tools.value()) {
        bj::object o{{"name", t.name}};
        o["description"] = t.description ? bj::value(*t.description) : bj::value(nullptr);
        o["inputSchema"] = t.input_schema;
        list.push_back(std::move(o));
      }
      out->output = bj::object{{"protocol_version", session->protocol_version()},
                               {"transport", session->transport_kind()},
                               {"tools", std::move(list)}};
      out->exit_code = 0;
    }
  } else {
    auto result = co_await session->call_tool(tool, std::move(arguments), std::chrono::seconds(120), nullptr);
    if (!result) {
      out->error = result.error().message;
    } else {
      bj::object o{{"isError", result.value().is_error}, {"content", result.value().content}};
      if (result.value().structured_content) o["structuredContent"] = *result.value().structured_content;
      out->output = std::move(o);
      out->exit_code = result.value().is_error ? 1 : 0;
    }
  }
  co_await session->close();
}

int run(const Config& config, const CommandLineTarget& target, const std::string& tool, bj::object arguments,
        bool call, const CommandLineOptions& options) {
  auto def = resolve_target(config, target);
  if (!def) {
    std::cerr << "parley mcp: " << def.error().message << "\n";
    return 2;
  }
  if (auto problem = check_definition_rules(def.value(), false)) {
    std::cerr << "parley mcp: " << *problem << "\n";
    return 2;
  }
  asio::io_context ioc;
  net::HttpClient http(ioc);
  auto env = TransportEnvironment::from_process(config.home);
  auto strand = asio::make_strand(ioc);
  CliRun result;
  asio::co_spawn(strand,
                 run_session(strand, &http, def.value(), &env, tool, std::move(arguments), call, options,
                             target.tokens, &result),
                 asio::detached);
  ioc.run();
  if (!result.error.empty()) {
    std::cerr << "parley mcp: " << result.error << "\n";
    return 1;
  }
  std::cout << json::pretty_sorted(result.output);
  return result.exit_code;
}

}  // namespace

namespace {

// parley doctor has nobody to send through an authorization flow.
class NoPersonPrompt final : public oauth::AuthorizationPrompt {
 public:
  asio::awaitable<Result<std::string, Failure>> redirect_uri() override { co_return refusal(); }
  asio::awaitable<Result<oauth::FormFields, Failure>> authorize(std::string, std::string, std::string,
                                                                CancelSignal*) override {
    co_return refusal();
  }

 private:
  static Failure refusal() {
    return fail(
        "the server needs authorization by a person (authorize it in the web UI, or with `parley mcp tools "
        "<id>`)");
  }
};

asio::awaitable<void> probe_session(asio::any_io_executor strand, net::HttpClient* http, ServerDefinition def,
                                    TransportEnvironment* env, std::chrono::seconds timeout,
                                    ServerProbe* out) {
  auto transport = make_transport(strand, *http, def, *env);
  if (!transport) {
    out->error = transport.error().message;
    co_return;
  }
  auto session = std::make_shared<McpSession>(strand, def.id, transport.value());
  session->set_elicitation_handler(std::make_shared<DecliningElicitation>(), std::chrono::seconds(1));
  auto started = co_await session->start({}, timeout);
  if (!started) {
    out->error = started.error().message;
  } else if (auto tools = co_await session->list_tools(timeout); !tools) {
    out->error = tools.error().message;
  } else {
    out->tools = tools.value().size();
  }
  co_await session->close();
}

}  // namespace

std::vector<ServerProbe> probe_configured_servers(const Config& config, DocumentStore* definitions,
                                                  std::shared_ptr<oauth::TokenStore> tokens,
                                                  std::chrono::seconds timeout, std::string& problem) {
  std::vector<ServerProbe> probes;
  if (!definitions) return probes;
  ReadError error;
  const auto doc = definitions->read("mcp_servers", error);
  if (!doc) {
    if (!error.empty()) problem = definitions->where("mcp_servers") + ": " + error.message;
    return probes;
  }
  std::vector<std::string> problems;
  auto servers = parse_definitions_document(doc->text, problems);
  if (!servers) {
    problem = definitions->where("mcp_servers") + " is invalid" +
              (problems.empty() ? std::string() : ": " + problems.front());
    return probes;
  }
  asio::io_context ioc;
  net::HttpClient http(ioc);
  auto env = TransportEnvironment::from_process(config.home);
  for (const auto& def : *servers) {
    ServerProbe probe{def.id, def.enabled, std::nullopt, {}};
    if (!def.enabled) {
      probes.push_back(std::move(probe));
      continue;
    }
    if (auto rule = check_definition_rules(def, false)) {
      probe.error = *rule;
      probes.push_back(std::move(probe));
      continue;
    }
    auto strand = asio::make_strand(ioc);
    env.authorizer_for = nullptr;
    if (def.url && tokens) {
      // The definition's own pre-registered client, as the server uses it.
      auto configured = oauth_client_settings(def, env);
      oauth::ClientSettings client = configured ? std::move(configured.value()) : oauth::ClientSettings{};
      env.authorizer_for = [strand, &http, tokens,
                            client](const ServerDefinition& d) -> std::shared_ptr<HttpAuthorizer> {
        return std::make_shared<oauth::OAuthAuthorizer>(strand, http, *d.url, client, tokens,
                                                        std::make_shared<NoPersonPrompt>());
      };
    }
    asio::co_spawn(strand, probe_session(strand, &http, def, &env, timeout, &probe), asio::detached);
    ioc.run();
    ioc.restart();
    probes.push_back(std::move(probe));
  }
  return probes;
}

std::optional<CommandLineElicitation> parse_elicitation_choice(const std::string& text) {
  if (text.empty()) return CommandLineElicitation::automatic;
  if (text == "ask") return CommandLineElicitation::ask;
  if (text == "accept-defaults") return CommandLineElicitation::accept_defaults;
  if (text == "decline") return CommandLineElicitation::decline;
  return std::nullopt;
}

int print_server_tools(const Config& config, const CommandLineTarget& target,
                       const CommandLineOptions& options) {
  return run(config, target, {}, {}, false, options);
}

int call_server_tool(const Config& config, const CommandLineTarget& target, const std::string& tool,
                     const std::string& arguments_json, const CommandLineOptions& options) {
  std::string why;
  auto args = json::parse(arguments_json.empty() ? "{}" : arguments_json, &why);
  if (!args || !args->is_object()) {
    std::cerr << "parley mcp call: the arguments must be a JSON object, e.g. '{\"message\":\"hi\"}'"
              << (why.empty() ? "" : " (" + why + ")") << "\n";
    return 2;
  }
  return run(config, target, tool, args->get_object(), true, options);
}

}  // namespace parley::mcp
