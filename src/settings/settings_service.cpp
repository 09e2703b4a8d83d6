#include "settings/settings_service.hpp"

#include <boost/json.hpp>

#include "core/atomic_file.hpp"
#include "core/clock.hpp"
#include "core/json.hpp"
#include "core/log.hpp"

namespace parley::settings {

namespace bj = boost::json;

std::vector<Suggestion> default_suggestions() {
  return {{"Next.js advantages", "What are the advantages of using Next.js?"},
          {"Dijkstra code", "Write code to demonstrate Dijkstra's algorithm"},
          {"Essay helper", "Help me write an essay about Silicon Valley"},
          {"Weather", "What is the weather in Orlando?"}};
}

SettingsService::SettingsService(const Config& config, Warnings& warnings)
    : config_(config), warnings_(warnings) {
  model_.model = config.default_model;
  model_.updated_at = std::chrono::system_clock::now();
  prompt_ = config.default_system_prompt;
  suggestions_ = default_suggestions();
}

void SettingsService::quarantine(const std::filesystem::path& file, const std::string& why) {
  auto backup = file;
  backup += ".corrupt-" + compact_utc(std::chrono::system_clock::now());
  std::error_code ec;
  std::filesystem::copy_file(file, backup, std::filesystem::copy_options::overwrite_existing, ec);
  const auto message = file.string() + " is invalid (" + why + "); it was copied to " + backup.string() +
                       " and defaults are used until it is fixed or saved again";
  log::error("{}", message);
  warnings_.add(message);
}

namespace {

// A write interrupted by a crash leaves its temporary file (".<name>.tmp-<id>") beside the document.
void remove_interrupted_writes(const std::filesystem::path& document) {
  std::error_code ec;
  const auto prefix = "." + document.filename().string() + ".tmp-";
  for (const auto& entry : std::filesystem::directory_iterator(document.parent_path(), ec)) {
    if (entry.path().filename().string().starts_with(prefix)) std::filesystem::remove(entry.path(), ec);
  }
}

}  // namespace

void SettingsService::load() {
  std::lock_guard lock(mutex_);
  for (const auto* path : {&config_.model_settings_path, &config_.presets_path, &config_.suggestions_path}) {
    remove_interrupted_writes(*path);
  }
  std::error_code ec;
  if (auto text = read_file(config_.model_settings_path, ec)) {
    std::string why;
    auto doc = json::parse(*text, &why);
    if (!doc || !doc->is_object()) {
      quarantine(config_.model_settings_path, doc ? "not a JSON object" : why);
    } else {
      bj::object body = doc->as_object();
      body.erase("llm_planner_enabled");  // legacy key, ignored
      std::optional<std::string> prompt;
      bool prompt_stored = false;
      if (const auto* p = body.if_contains("system_prompt")) {
        prompt_stored = true;
        if (p->is_string()) prompt = std::string(p->as_string());
      }
      std::optional<SystemTime> updated;
      if (const auto* u = body.if_contains("updated_at"); u && u->is_string())
        updated = parse_timestamp(u->as_string());
      body.erase("system_prompt");
      body.erase("updated_at");
      auto parsed = parse_model_settings(body);
      if (!parsed) {
        quarantine(config_.model_settings_path, "its values break the rules of PUT /api/settings/model");
      } else {
        model_ = std::move(*parsed);
        model_.updated_at = updated.value_or(std::chrono::system_clock::now());
        if (prompt_stored) {
          prompt_ = prompt;
          prompt_stored_ = true;
        }
      }
    }
  }
  if (auto text = read_file(config_.presets_path, ec)) {
    auto doc = json::parse(*text);
    const bj::array* items = nullptr;
    if (doc && doc->is_array()) items = &doc->as_array();
    if (doc && doc->is_object()) {
      if (const auto* p = doc->as_object().if_contains("presets"); p && p->is_array()) items = &p->as_array();
    }
    if (!items) {
      quarantine(config_.presets_path, "not a presets document");
    } else {
      for (const auto& item : *items) {
        const auto* o = item.if_object();
        const auto* name = o ? o->if_contains("name") : nullptr;
        const auto* model = o ? o->if_contains("model") : nullptr;
        if (!name || !name->is_string() || name->as_string().empty() || !model || !model->is_string()) {
          log::warn("{}: an invalid preset was skipped", config_.presets_path.string());
          continue;
        }
        std::erase_if(presets_, [&](const bj::object& p) { return p.at("name") == *name; });
        presets_.push_back(*o);
      }
    }
  }
  if (auto text = read_file(config_.suggestions_path, ec)) {
    auto doc = json::parse(*text);
    const bj::array* items = nullptr;
    if (doc && doc->is_array()) items = &doc->as_array();
    if (doc && doc->is_object()) {
      if (const auto* s = doc->as_object().if_contains("suggestions"); s && s->is_array())
        items = &s->as_array();
    }
    if (!items) {
      quarantine(config_.suggestions_path, "not a suggestions document");
    } else {
      suggestions_.clear();
      for (const auto& item : *items) {
        const auto* o = item.if_object();
        const auto* label = o ? o->if_contains("label") : nullptr;
        const auto* text_v = o ? o->if_contains("text") : nullptr;
        if (label && label->is_string() && !label->as_string().empty() && text_v && text_v->is_string() &&
            !text_v->as_string().empty()) {
          suggestions_.push_back({std::string(label->as_string()), std::string(text_v->as_string())});
        } else {
          log::warn("{}: an invalid suggestion was skipped", config_.suggestions_path.string());
        }
      }
    }
  }
}

ModelSettings SettingsService::model_settings() const {
  std::lock_guard lock(mutex_);
  return model_;
}

std::optional<std::string> SettingsService::system_prompt() const {
  std::lock_guard lock(mutex_);
  return prompt_;
}

std::error_code SettingsService::write_model_file(const ModelSettings& s,
                                                  const std::optional<std::string>& prompt,
                                                  bool prompt_stored) {
  auto doc = model_settings_file_members(s);
  if (prompt_stored) doc["system_prompt"] = prompt ? bj::value(*prompt) : bj::value(nullptr);
  return write_file_atomic(config_.model_settings_path, json::pretty_sorted(doc), 0600);
}

std::error_code SettingsService::replace_model_settings(ModelSettings settings) {
  std::lock_guard lock(mutex_);
  auto ec = write_model_file(settings, prompt_, prompt_stored_);
  if (!ec) model_ = std::move(settings);
  return ec;
}

std::error_code SettingsService::set_system_prompt(std::optional<std::string> prompt) {
  std::lock_guard lock(mutex_);
  auto ec = write_model_file(model_, prompt, true);
  if (!ec) {
    prompt_ = std::move(prompt);
    prompt_stored_ = true;
  }
  return ec;
}

void SettingsService::remember_supports_tools(const std::string& model, bool supports) {
  std::lock_guard lock(mutex_);
  if (model_.model != model || model_.supports_tools) return;
  auto updated = model_;
  updated.supports_tools = supports;
  if (!write_model_file(updated, prompt_, prompt_stored_)) model_ = std::move(updated);
}

std::error_code SettingsService::write_presets(const std::vector<bj::object>& list) {
  bj::array items(list.begin(), list.end());
  return write_file_atomic(config_.presets_path, json::pretty_sorted(bj::object{{"presets", items}}), 0600);
}

bj::object SettingsService::snapshot_preset(const std::string& name, bj::array mcp_servers) const {
  std::lock_guard lock(mutex_);
  auto entry = model_settings_file_members(model_);
  entry.erase("updated_at");
  entry["name"] = name;
  if (prompt_) entry["system_prompt"] = *prompt_;
  entry["mcp_servers"] = std::move(mcp_servers);
  if (!suggestions_.empty()) {
    bj::array items;
    for (const auto& s : suggestions_) items.push_back(bj::object{{"label", s.label}, {"text", s.text}});
    entry["suggestions"] = std::move(items);
  }
  return entry;
}

std::vector<boost::json::object> SettingsService::presets() const {
  std::lock_guard lock(mutex_);
  return presets_;
}

std::vector<Suggestion> SettingsService::suggestions() const {
  std::lock_guard lock(mutex_);
  return suggestions_;
}

std::error_code SettingsService::write_suggestions(const std::vector<Suggestion>& list) {
  bj::array items;
  for (const auto& s : list) items.push_back(bj::object{{"label", s.label}, {"text", s.text}});
  return write_file_atomic(config_.suggestions_path, json::pretty_sorted(bj::object{{"suggestions", items}}),
                           0600);
}

}  // namespace parley::settings
