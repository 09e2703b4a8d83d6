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

DefinitionsStore::DefinitionsStore(fs::path file, fs::path home, Warnings& warnings)
    : file_(std::move(file)), home_(std::move(home)), warnings_(warnings) {}

namespace {

bool google_client_file_exists(const fs::path& home) {
  std::error_code ec;
  for (fs::directory_iterator it(home / "credentials", ec), end; !ec && it != end; it.increment(ec)) {
    const auto name = it->path().filename().string();
    if (name.rfind("client_secret_", 0) == 0 && it->path().extension() == ".json") return true;
  }
  return false;
}

std::optional<SystemTime> modification_time(const fs::path& p) {
  std::error_code ec;
  const auto t = fs::last_write_time(p, ec);
  if (ec) return std::nullopt;
  return std::chrono::time_point_cast<std::chrono::system_clock::duration>(
      std::chrono::file_clock::to_sys(t));
}

}  // namespace

void DefinitionsStore::back_up(const std::string& why) {
  const auto backup = file_.string() + ".corrupt-" + compact_utc(std::chrono::system_clock::now());
  std::error_code ec;
  fs::copy_file(file_, backup, fs::copy_options::overwrite_existing, ec);
  const std::string message =
      "MCP server definitions in " + file_.string() + " are invalid (" + why + "); " +
      (ec ? "could not back them up: " + ec.message() : "a copy was saved as " + backup);
  log::error("{}", message);
  warnings_.add(message);
}

LoadedDefinitions DefinitionsStore::load() {
  std::lock_guard lock(mutex_);
  LoadedDefinitions loaded;
  std::error_code ec;
  auto text = read_file(file_, ec);
  if (!text) {
    if (fs::exists(file_)) {
      back_up("cannot read it: " + ec.message());
      return loaded;
    }
    loaded.servers = default_definitions(google_client_file_exists(home_));
    std::error_code dir_ec;
    fs::create_directories(file_.parent_path(), dir_ec);
    if (auto wec = write_file_atomic(file_, serialize_definitions_document(loaded.servers))) {
      loaded.problems.push_back("cannot write " + file_.string() + ": " + wec.message());
    } else {
      updated_at_ = modification_time(file_);
      log::info("Created {} with the default MCP servers", file_.string());
    }
    loaded.updated_at = updated_at_;
    return loaded;
  }
  std::vector<std::string> problems;
  auto servers = parse_definitions_document(*text, problems);
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
  updated_at_ = modification_time(file_);
  loaded.updated_at = updated_at_;
  loaded.problems = std::move(problems);
  return loaded;
}

std::optional<std::string> DefinitionsStore::save(const std::vector<ServerDefinition>& servers) {
  std::lock_guard lock(mutex_);
  std::error_code dir_ec;
  fs::create_directories(file_.parent_path(), dir_ec);
  if (auto ec = write_file_atomic(file_, serialize_definitions_document(servers))) {
    return "cannot write " + file_.string() + ": " + ec.message();
  }
  updated_at_ = std::chrono::system_clock::now();
  return std::nullopt;
}

std::optional<SystemTime> DefinitionsStore::updated_at() const {
  std::lock_guard lock(mutex_);
  return updated_at_;
}

}  // namespace parley::mcp
