// Builds the transport for a definition: the stdio child's argv, working directory and environment (api.md
// §7.3: parley's secrets removed, ${VAR} expanded), or the HTTP transport with its expanded headers.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "mcp/child_process.hpp"
#include "mcp/failure.hpp"
#include "mcp/http_authorizer.hpp"
#include "mcp/oauth/authorization_flow.hpp"
#include "mcp/server_definition.hpp"
#include "mcp/transport.hpp"

namespace parley::net {
class HttpClient;
}

namespace parley::mcp {

namespace oauth {
class TokenStore;
}

struct TransportEnvironment {
  std::filesystem::path home;
  std::filesystem::path parley_executable;  // runs built-in servers: `<exe> mcp-server <name>`
  std::map<std::string, std::string> process_env;
  std::map<std::string, std::string> dotenv;  // entries of <home>/.env
  // The OAuth authorizer of a url server, made for each connection (it reads the stored tokens afresh);
  // unset or returning nullptr: requests go without authorization.
  std::function<std::shared_ptr<HttpAuthorizer>(const ServerDefinition&)> authorizer_for;
  // Where `parley serve` keeps OAuth tokens (the aggregator makes authorizer_for from it); null: no OAuth.
  std::shared_ptr<oauth::TokenStore> oauth_tokens;
  [[nodiscard]] std::optional<std::string> lookup(const std::string& name) const;
  // Reads the current process environment, <home>/.env and /proc/self/exe.
  static TransportEnvironment from_process(const std::filesystem::path& home);
};

// The child's spawn spec for a module/command definition.
Result<SpawnSpec, Failure> stdio_spawn_spec(const ServerDefinition& def, const TransportEnvironment& env);
// Header values with ${VAR} expanded (registered with the log redactor as secrets).
Result<std::map<std::string, std::string>, Failure> expanded_headers(const ServerDefinition& def,
                                                                     const TransportEnvironment& env);
// The OAuth client of a url server: its pre-registered client (`oauth`, the secret's ${VAR} expanded and
// registered with the redactor), or parley's defaults (dynamic registration) without one.
Result<oauth::ClientSettings, Failure> oauth_client_settings(const ServerDefinition& def,
                                                             const TransportEnvironment& env);

// `authorizer`: for a url server, the one to use; null: env.authorizer_for makes one (when set).
Result<std::shared_ptr<Transport>, Failure> make_transport(
    const boost::asio::any_io_executor& strand, net::HttpClient& http, const ServerDefinition& def,
    const TransportEnvironment& env, std::shared_ptr<HttpAuthorizer> authorizer = nullptr);

}  // namespace parley::mcp
