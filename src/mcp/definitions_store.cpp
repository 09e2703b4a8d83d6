#include "mcp/definitions_store.hpp"

#include <boost/json/array.hpp>

#include "core/atomic_file.hpp"
#include "core/json.hpp"
#include "core/log.hpp"

namespace parley::mcp {

namespace bj = boost::json;
namespace fs = std::filesystem;

std::optional<std::vector<ServerDefinition>> parse_definitions_document(std::string_view text,
                                                                        std::vector<std::string>& problems) {
  std::string why;
  auto doc = json::parse(text, &why);
  if (!doc) {
    problems.push_back("not valid JSON: " + why);
    return std::nullopt;
  }
  const bj::array* entries = nullptr;
  if (doc->is_array()) {
    entries = &doc->get_array();
  } else if (doc->is_object()) {
    const auto* servers = doc->get_object().if_contains("servers");
    if (servers != nullptr && servers->is_array()) entries = &servers->get_array();
  }
  if (entries == nullptr) {
    problems.push_back("the document is neither {\"servers\": [...]} nor an array");
    return std::nullopt;
  }
  std::vector<ServerDefinition> out;
  std::size_t index = 0;
  for (const auto& entry : *entries) {
    ValidationErrors errors;
    auto def = parse_definition(entry, loc({"servers", index}), errors);
    std::optional<std::string> rule_problem;
    // Unknown modules load unchanged and fail at start (§7.2), so they are not rejected here.
    if (def) rule_problem = check_definition_rules(*def, false);
    if (!def || rule_problem) {
      problems.push_back("entry " + std::to_string(index) + " skipped: " +
                         (rule_problem ? *rule_problem : json::serialize(errors.to_error().detail)));
    } else {
      // With duplicate ids the later entry replaces the earlier one and takes its position at the end.
      std::erase_if(out, [&](const ServerDefinition& d) { return d.id == def->id; });
      out.push_back(std::move(*def));
    }
    ++index;
  }
  return out;
}

std::string serialize_definitions_document(const std::vector<ServerDefinition>& servers) {
  bj::array list;
  for (const auto& s : servers) list.push_back(definition_to_file_json(s));
  return json::pretty_sorted(bj::object{{"servers", std::move(list)}});
}

std::vector<ServerDefinition> default_definitions(bool google_client_configured) {
  const std::pair<const char*, const char*> entries[] = {
      {"local-calculator", "calculator"}, {"housekeeping", "housekeeping"}, {"custom-calendar", "calendar"},
      {"custom-gmail", "gmail"},          {"custom-gdrive", "gdrive"},      {"custom-pdf", "pdf"}};
  std::vector<ServerDefinition> out;
  for (const auto& [id, module] : entries) {
    ServerDefinition d;
    d.id = id;
    d.module = module;
    const std::string_view m = module;
    const bool google = m == "calendar" || m == "gmail" || m == "gdrive";
    d.enabled = !google || google_client_configured;
    out.push_back(std::move(d));
  }
  return out;
}

DefinitionsStore::DefinitionsStore(DocumentStore& documents, fs::path home, Warnings& warnings)
    : documents_(documents), home_(std::move(home)), warnings_(warnings) {}

namespace {

constexpr std::string_view document_name = "mcp_servers";

bool google_client_file_exists(const fs::path& home) {
  std::error_code ec;
  for (fs::directory_iterator it(home / "credentials", ec), end; !ec && it != end; it.increment(ec)) {
    const auto name = it->path().filename().string();
    if (name.rfind("client_secret_", 0) == 0 && it->path().extension() == ".json") return true;
  }
  return false;
}

}  // namespace

void DefinitionsStore::back_up(const std::string& why) {
  documents_.set_aside(document_name, "MCP server definitions: " + why, warnings_);
}

LoadedDefinitions DefinitionsStore::load() {
  std::lock_guard lock(mutex_);
  LoadedDefinitions loaded;
  ReadError error;
  auto doc = documents_.read(document_name, error);
  if (error.unavailable) {
    // Never bootstrap or apply anything over a read that failed: the last good list stays in use.
    loaded.unavailable = true;
    const auto message = "Cannot read " + documents_.where(document_name) + " (" + error.message +
                         "); the MCP servers keep their last good definitions until it can be read again";
    warnings_.set(document_warning_key(document_name), message);
    loaded.problems.push_back(message);
    return loaded;
  }
  warnings_.clear(document_warning_key(document_name));
  if (!doc) {
    if (!error.empty()) {
      back_up(error.message);
      return loaded;
    }
    loaded.servers = default_definitions(google_client_file_exists(home_));
    if (auto wec = documents_.write(document_name, serialize_definitions_document(loaded.servers))) {
      loaded.problems.push_back("cannot write " + documents_.where(document_name) + ": " + wec.message());
    } else {
      updated_at_ = std::chrono::system_clock::now();
      log::info("Created {} with the default MCP servers", documents_.where(document_name));
    }
    loaded.updated_at = updated_at_;
    return loaded;
  }
  std::vector<std::string> problems;
  auto servers = parse_definitions_document(doc->text, problems);
  if (!servers) {
    back_up(problems.empty() ? std::string("invalid document") : problems.front());
    return loaded;
  }
  if (!problems.empty()) {
    std::string all;
    for (const auto& p : problems) all += (all.empty() ? "" : "; ") + p;
    back_up(all);
  }
  loaded.servers = std::move(*servers);
  updated_at_ = doc->updated_at;
  loaded.updated_at = updated_at_;
  loaded.problems = std::move(problems);
  return loaded;
}

std::optional<std::string> DefinitionsStore::save(const std::vector<ServerDefinition>& servers) {
  std::lock_guard lock(mutex_);
  if (auto ec = documents_.write(document_name, serialize_definitions_document(servers))) {
    return "cannot write " + documents_.where(document_name) + ": " + ec.message();
  }
  warnings_.clear(document_warning_key(document_name));
  updated_at_ = std::chrono::system_clock::now();
  return std::nullopt;
}

std::optional<SystemTime> DefinitionsStore::updated_at() const {
  std::lock_guard lock(mutex_);
  return updated_at_;
}

}  // namespace parley::mcp
