// The MCP server definitions document (api.md §4.3; data/mcp_servers.json or the settings table): loading
// entry by entry, bootstrapping the defaults when no definitions exist at all (§7.2), setting invalid
// documents aside, and atomic saves. Writes are serialized by the caller.
#pragma once

#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/document_store.hpp"
#include "core/warnings.hpp"
#include "mcp/server_definition.hpp"

namespace parley::mcp {

struct LoadedDefinitions {
  std::vector<ServerDefinition> servers;
  std::optional<SystemTime> updated_at;  // file modification time; nullopt when never saved
  std::vector<std::string> problems;     // skipped entries, backups made
  // The store could not be asked (database unreachable): `servers` means nothing; keep the running list.
  bool unavailable = false;
};

// Parses the document text (`{"servers":[...]}` or a bare array). nullopt when the document is invalid as a
// whole; invalid entries are skipped and described in `problems`.
std::optional<std::vector<ServerDefinition>> parse_definitions_document(std::string_view text,
                                                                        std::vector<std::string>& problems);
std::string serialize_definitions_document(const std::vector<ServerDefinition>& servers);
// The bootstrapped list of §7.2; the Google servers are enabled only when a client secret file exists.
std::vector<ServerDefinition> default_definitions(bool google_client_configured);

class DefinitionsStore {
 public:
  DefinitionsStore(DocumentStore& documents, std::filesystem::path home, Warnings& warnings);

  // Reads the document, bootstrapping (and persisting) the defaults when it does not exist.
  LoadedDefinitions load();
  // Persists the whole list atomically; returns a readable error.
  std::optional<std::string> save(const std::vector<ServerDefinition>& servers);
  [[nodiscard]] std::optional<SystemTime> updated_at() const;

 private:
  void back_up(const std::string& why);
  DocumentStore& documents_;
  std::filesystem::path home_;
  Warnings& warnings_;
  mutable std::mutex mutex_;
  std::optional<SystemTime> updated_at_;
};

}  // namespace parley::mcp
