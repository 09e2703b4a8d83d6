#include "mcp/transport_factory.hpp"

#include <unistd.h>

#include "core/atomic_file.hpp"
#include "core/dotenv.hpp"
#include "core/redact.hpp"
#include "mcp/http_transport.hpp"
#include "mcp/stdio_transport.hpp"

extern char** environ;

namespace parley::mcp {

namespace fs = std::filesystem;

std::optional<std::string> TransportEnvironment::lookup(const std::string& name) const {
  if (auto it = process_env.find(name); it != process_env.end()) return it->second;
  if (auto it = dotenv.find(name); it != dotenv.end()) return it->second;
  return std::nullopt;
}

TransportEnvironment TransportEnvironment::from_process(const fs::path& home) {
  TransportEnvironment env;
  env.home = home;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const auto eq = entry.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    env.process_env.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  std::error_code ec;
  if (auto text = read_file(home / ".env", ec)) {
    for (auto& entry : parse_dotenv(*text).entries) env.dotenv[entry.key] = entry.value;
  }
  env.parley_executable = fs::read_symlink("/proc/self/exe", ec);
  return env;
}

namespace {

// parley's own secrets never reach a child unless its definition names them (§7.3).
bool is_parley_secret(const std::string& name) {
  static const char* const secrets[] = {"OPENROUTER_API_KEY",   "DEEPGRAM_API_KEY",
                                        "PARLEY_AUTH_TOKEN",    "PARLEY_SIGNING_KEY",
                                        "S3_SECRET_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY"};
  for (const char* s : secrets) {
    if (name.size() == std::string_view(s).size() &&
        std::equal(name.begin(), name.end(), s, [](char a, char b) { return std::toupper(a) == b; })) {
      return true;
    }
  }
  return false;
}

// The pdf built-in reads attachments from S3 like parley does, and the gmail built-in signs the URLs of the
// attachments it stores with parley's key (§7.3: built-in servers receive what they need).
bool is_storage_secret(const std::string& name) {
  return name == "S3_SECRET_ACCESS_KEY" || name == "AWS_SECRET_ACCESS_KEY";
}

}  // namespace

Result<SpawnSpec, Failure> stdio_spawn_spec(const ServerDefinition& def, const TransportEnvironment& env) {
  SpawnSpec spec;
  if (def.module) {
    const auto name = builtin_server_name(*def.module);
    if (!name) return fail("Unknown built-in MCP server module: " + *def.module);
    spec.argv = {env.parley_executable.string(), "mcp-server", *name};
  } else if (def.command) {
    spec.argv = *def.command;
  } else {
    return fail("MCP server '" + def.id + "' has no command");
  }
  spec.cwd =
      def.cwd ? (fs::path(*def.cwd).is_absolute() ? fs::path(*def.cwd) : env.home / *def.cwd) : env.home;

  std::map<std::string, std::string> child_env;
  for (const auto& [k, v] : env.dotenv) child_env[k] = v;
  for (const auto& [k, v] : env.process_env) child_env[k] = v;  // the process environment wins over .env
  std::erase_if(child_env, [&](const auto& kv) {
    return is_parley_secret(kv.first) && !def.env.contains(kv.first) &&
           !(def.module && is_storage_secret(kv.first)) &&
           !(kv.first == "PARLEY_SIGNING_KEY" && def.module && builtin_server_name(*def.module) == "gmail");
  });
  // A built-in server is parley itself: it finds the configuration, the database and the uploads folder
  // through the home, whatever its working directory (§7.3 "what they need from parley").
  if (def.module) child_env["PARLEY_HOME"] = env.home.string();
  for (const auto& [k, v] : def.env) {
    auto expanded = expand_variables(v, [&](const std::string& n) { return env.lookup(n); });
    if (!expanded.undefined_variable.empty()) {
      return fail("the environment variable " + expanded.undefined_variable + " used in env." + k +
                  " is not defined");
    }
    child_env[k] = expanded.text;
  }
  for (const auto& [k, v] : child_env) spec.environment.push_back(k + "=" + v);
  return spec;
}

Result<std::map<std::string, std::string>, Failure> expanded_headers(const ServerDefinition& def,
                                                                     const TransportEnvironment& env) {
  std::map<std::string, std::string> out;
  if (!def.headers) return out;
  for (const auto& [k, v] : *def.headers) {
    auto expanded = expand_variables(v, [&](const std::string& n) { return env.lookup(n); });
    if (!expanded.undefined_variable.empty()) {
      return fail("the environment variable " + expanded.undefined_variable + " used in header " + k +
                  " is not defined");
    }
    global_redactor().add_secret(expanded.text);
    out[k] = expanded.text;
  }
  return out;
}

Result<oauth::ClientSettings, Failure> oauth_client_settings(const ServerDefinition& def,
                                                             const TransportEnvironment& env) {
  oauth::ClientSettings settings;
  if (!def.oauth) return settings;
  settings.client_id = def.oauth->client_id;
  if (def.oauth->client_secret) {
    auto expanded =
        expand_variables(*def.oauth->client_secret, [&](const std::string& n) { return env.lookup(n); });
    if (!expanded.undefined_variable.empty()) {
      return fail("the environment variable " + expanded.undefined_variable +
                  " used in oauth.client_secret is not defined");
    }
    global_redactor().add_secret(expanded.text);
    settings.client_secret = std::move(expanded.text);
  }
  settings.scope = def.oauth->scope.value_or("");
  return settings;
}

Result<std::shared_ptr<Transport>, Failure> make_transport(const boost::asio::any_io_executor& strand,
                                                           net::HttpClient& http, const ServerDefinition& def,
                                                           const TransportEnvironment& env,
                                                           std::shared_ptr<HttpAuthorizer> authorizer) {
  using R = Result<std::shared_ptr<Transport>, Failure>;
  if (def.url) {
    auto headers = expanded_headers(def, env);
    if (!headers) return headers.error();
    if (auto client = oauth_client_settings(def, env); !client) return client.error();
    if (!authorizer && env.authorizer_for) authorizer = env.authorizer_for(def);
    return R(std::make_shared<HttpTransport>(strand, http, def.id, *def.url, std::move(headers.value()),
                                             std::move(authorizer)));
  }
  auto spec = stdio_spawn_spec(def, env);
  if (!spec) return spec.error();
  return R(std::make_shared<StdioTransport>(strand, def.id, std::move(spec.value())));
}

}  // namespace parley::mcp
