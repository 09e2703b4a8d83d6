// `parley keys create|list|revoke`: the keys of the OpenAI-compatible API from the command line, in the same
// database the server reads (so a key created here works at once, on every replica).
#include <iomanip>
#include <iostream>

#include "app/commands.hpp"
#include "core/config.hpp"
#include "core/json.hpp"
#include "keys/api_key_service.hpp"
#include "store/open_repository.hpp"

namespace parley::app {

namespace {

std::unique_ptr<store::Repository> open_for_keys(const Config& config) {
  try {
    return std::move(store::open_repository(config, backup_before_migrate(config)).repository);
  } catch (const store::DatabaseError& e) {
    std::cerr << "parley keys: cannot open the " << store::describe_database(config) << ": " << e.what()
              << "\n";
    return nullptr;
  }
}

}  // namespace

int keys_command(const KeysCommand& command) {
  auto loaded = load_config(process_environment());
  if (!loaded.config) {
    std::cerr << "parley keys: invalid configuration:\n";
    for (const auto& e : loaded.errors) std::cerr << "  - " << e << "\n";
    return 2;
  }
  auto repository = open_for_keys(*loaded.config);
  if (!repository) return 1;
  keys::ApiKeyService service(*repository, nullptr);
  try {
    if (command.action == "create") {
      boost::json::object body{{"name", command.name}};
      boost::json::array models;
      for (const auto& m : command.models) models.emplace_back(m);
      if (!models.empty()) body["models"] = std::move(models);
      if (command.mcp_servers_given) {
        boost::json::array servers;
        for (const auto& s : command.mcp_servers) servers.emplace_back(s);
        body["mcp_servers"] = std::move(servers);
      }
      if (command.spending_cap_usd) body["spending_cap_usd"] = *command.spending_cap_usd;
      body["store_history"] = command.store_history;
      auto request = keys::parse_new_api_key(body);
      if (!request) {
        std::cerr << "parley keys create: " << json::serialize(request.error().detail) << "\n";
        return 2;
      }
      const auto created = service.create(*request);
      std::cerr << "Created API key " << created.key.row.id << " (\"" << created.key.row.name
                << "\"). It is shown only now; store it safely:\n";
      std::cout << created.secret << "\n";
      return 0;
    }
    if (command.action == "list") {
      const auto list = service.list();
      if (command.json) {
        boost::json::array out;
        for (const auto& k : list) out.push_back(k.to_json());
        std::cout << json::serialize(out) << "\n";
        return 0;
      }
      if (list.empty()) std::cout << "No API keys. Create one with: parley keys create --name NAME\n";
      for (const auto& k : list) {
        std::cout << k.row.id << "  " << std::left << std::setw(24) << k.row.name << "  " << k.row.key_prefix
                  << "  " << (k.revoked() ? "revoked" : "active") << "  requests=" << k.row.requests
                  << "  cost=$" << std::fixed << std::setprecision(6)
                  << keys::nanodollars_to_usd(k.row.cost_nanodollars);
        if (k.settings.spending_cap_nanodollars)
          std::cout << "  cap=$" << keys::nanodollars_to_usd(*k.settings.spending_cap_nanodollars);
        std::cout << "\n";
      }
      return 0;
    }
    if (command.action == "revoke") {
      if (!service.revoke(command.id)) {
        std::cerr << "parley keys revoke: no active key has the id " << command.id
                  << " (parley keys list shows the ids)\n";
        return 1;
      }
      std::cout << "Revoked API key " << command.id << "; requests with it are refused from now on.\n";
      return 0;
    }
  } catch (const store::DatabaseError& e) {
    std::cerr << "parley keys: " << e.what() << "\n";
    return 1;
  }
  return 2;
}

}  // namespace parley::app
