#include "settings/settings_service.hpp"

#include <boost/json.hpp>

#include "core/clock.hpp"
#include "core/json.hpp"
#include "core/log.hpp"
#include "core/text.hpp"

namespace parley::settings {

namespace bj = boost::json;

Error write_failure(const std::error_code& ec) {
  return Error::internal("Internal Server Error: " + ec.message());
}

SettingsService::SettingsService(const Config& config, Warnings& warnings, DocumentStore& documents,
                                 BlockingPool& blocking)
    : config_(config), warnings_(warnings), documents_(documents), blocking_(blocking) {
  model_.model = config.default_model;
  model_.updated_at = std::chrono::system_clock::now();
  prompt_ = config.default_system_prompt;
  suggestions_ = default_suggestions();
}

namespace {

struct DocumentText {
  bool unavailable = false;         // the store did not answer: keep what was read before
  std::optional<std::string> text;  // nullopt: absent, or invalid (then set aside and reported)
};

DocumentText read_document(DocumentStore& documents, std::string_view name, Warnings& warnings) {
  ReadError error;
  auto doc = documents.read(name, error);
  if (error.unavailable) {
    const auto message = "Cannot read " + documents.where(name) + " (" + error.message +
                         "); the last good copy is used and the read is retried";
    log::warn("{}", message);
    warnings.set(document_warning_key(name), message);
    return {true, std::nullopt};
  }
  // Whatever was wrong before is over; an invalid document reports itself again below.
  warnings.clear(document_warning_key(name));
  if (!doc) {
    if (!error.empty()) documents.set_aside(name, error.message, warnings);
    return {};
  }
  return {false, std::move(doc->text)};
}

constexpr std::string_view document_names[] = {"model_settings", "presets", "suggestions"};

}  // namespace

bool SettingsService::load() {
  std::lock_guard lock(mutex_);
  bool all = true;
  for (const auto name : document_names) all = load_document(name) && all;
  return all;
}

bool SettingsService::reload(std::string_view name) {
  std::lock_guard lock(mutex_);
  return load_document(name);
}

bool SettingsService::reload_unread() {
  std::lock_guard lock(mutex_);
  const auto names = unread_;
  for (const auto& name : names) load_document(name);
  return unread_.empty();
}

bool SettingsService::load_document(std::string_view name) {
  bool read = true;
  if (name == "model_settings")
    read = load_model_settings();
  else if (name == "presets")
    read = load_presets();
  else if (name == "suggestions")
    read = load_suggestions();
  if (read) {
    if (auto it = unread_.find(name); it != unread_.end()) unread_.erase(it);
  } else {
    unread_.emplace(name);
  }
  return read;
}

std::error_code SettingsService::read_before_write(std::string_view name) {
  if (!unread_.contains(name) || load_document(name)) return {};
  // Writing the copy in memory could put defaults or an old version over the stored document.
  return std::make_error_code(std::errc::resource_unavailable_try_again);
}

bool SettingsService::load_model_settings() {
  auto read = read_document(documents_, "model_settings", warnings_);
  if (read.unavailable) return false;
  model_ = ModelSettings{};
  model_.model = config_.default_model;
  model_.updated_at = std::chrono::system_clock::now();
  prompt_ = config_.default_system_prompt;
  prompt_stored_ = false;
  const auto& text = read.text;
  if (!text) return true;
  std::string why;
  auto doc = json::parse(*text, &why);
  if (!doc || !doc->is_object()) {
    documents_.set_aside("model_settings", doc ? "not a JSON object" : why, warnings_);
    return true;
  }
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
    documents_.set_aside("model_settings", "its values break the rules of PUT /api/settings/model",
                         warnings_);
    return true;
  }
  model_ = std::move(*parsed);
  model_.updated_at = updated.value_or(std::chrono::system_clock::now());
  if (prompt_stored) {
    prompt_ = prompt;
    prompt_stored_ = true;
  }
  return true;
}

bool SettingsService::load_presets() {
  auto read = read_document(documents_, "presets", warnings_);
  if (read.unavailable) return false;
  presets_.clear();
  const auto& text = read.text;
  if (!text) return true;
  auto doc = json::parse(*text);
  const bj::array* items = nullptr;
  if (doc && doc->is_array()) items = &doc->as_array();
  if (doc && doc->is_object()) {
    if (const auto* p = doc->as_object().if_contains("presets"); p && p->is_array()) items = &p->as_array();
  }
  if (!items) {
    documents_.set_aside("presets", "not a presets document", warnings_);
    return true;
  }
  for (const auto& item : *items) {
    const auto* o = item.if_object();
    auto preset = o ? preset_from_stored(*o) : std::nullopt;
    if (!preset) {
      log::warn("{}: an invalid preset was skipped", documents_.where("presets"));
      continue;
    }
    std::erase_if(presets_, [&](const Preset& p) { return p.name == preset->name; });
    presets_.push_back(std::move(*preset));
  }
  return true;
}

bool SettingsService::load_suggestions() {
  auto read = read_document(documents_, "suggestions", warnings_);
  if (read.unavailable) return false;
  suggestions_ = default_suggestions();
  const auto& text = read.text;
  if (!text) return true;
  auto doc = json::parse(*text);
  const bj::array* items = nullptr;
  if (doc && doc->is_array()) items = &doc->as_array();
  if (doc && doc->is_object()) {
    if (const auto* s = doc->as_object().if_contains("suggestions"); s && s->is_array())
      items = &s->as_array();
  }
  if (!items) {
    documents_.set_aside("suggestions", "not a suggestions document", warnings_);
    return true;
  }
  suggestions_.clear();
  for (const auto& item : *items) {
    const auto* o = item.if_object();
    const auto* label = o ? o->if_contains("label") : nullptr;
    const auto* text_v = o ? o->if_contains("text") : nullptr;
    if (label && label->is_string() && !label->as_string().empty() && text_v && text_v->is_string() &&
        !text_v->as_string().empty()) {
      suggestions_.push_back({std::string(label->as_string()), std::string(text_v->as_string())});
    } else {
      log::warn("{}: an invalid suggestion was skipped", documents_.where("suggestions"));
    }
  }
  return true;
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
  auto ec = documents_.write("model_settings", json::pretty_sorted(doc));
  // A document saved again is valid again (§4.0: set aside "until it is fixed or saved again").
  if (!ec) warnings_.clear(document_warning_key("model_settings"));
  return ec;
}

std::error_code SettingsService::replace_model_settings(ModelSettings settings) {
  std::lock_guard lock(mutex_);
  if (auto ec = read_before_write("model_settings")) return ec;
  auto ec = write_model_file(settings, prompt_, prompt_stored_);
  if (!ec) model_ = std::move(settings);
  return ec;
}

std::error_code SettingsService::set_system_prompt(std::optional<std::string> prompt) {
  std::lock_guard lock(mutex_);
  if (auto ec = read_before_write("model_settings")) return ec;
  auto ec = write_model_file(model_, prompt, true);
  if (!ec) {
    prompt_ = std::move(prompt);
    prompt_stored_ = true;
  }
  return ec;
}

void SettingsService::remember_supports_tools(const std::string& model, bool supports) {
  std::lock_guard lock(mutex_);
  if (model_.model != model || model_.supports_tools || read_before_write("model_settings")) return;
  auto updated = model_;
  updated.supports_tools = supports;
  if (!write_model_file(updated, prompt_, prompt_stored_)) model_ = std::move(updated);
}

std::error_code SettingsService::write_presets(const std::vector<Preset>& list) {
  bj::array items;
  for (const auto& p : list) items.push_back(stored_preset(p));
  auto ec = documents_.write("presets", json::pretty_sorted(bj::object{{"presets", items}}));
  if (!ec) warnings_.clear(document_warning_key("presets"));
  return ec;
}

Preset SettingsService::snapshot_preset(const std::string& name, bj::array mcp_servers) const {
  std::lock_guard lock(mutex_);
  Preset p;
  p.name = name;
  p.model_settings = model_;
  p.system_prompt = prompt_;
  p.mcp_servers = std::move(mcp_servers);
  if (!suggestions_.empty()) p.suggestions = suggestions_;
  return p;
}

std::vector<Preset> SettingsService::presets() const {
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
  auto ec = documents_.write("suggestions", json::pretty_sorted(bj::object{{"suggestions", items}}));
  if (!ec) warnings_.clear(document_warning_key("suggestions"));
  return ec;
}

namespace {

// The trimmed prompt; nullopt (no prompt) when nothing is left (§2.14).
std::optional<std::string> trimmed_or_null(std::string_view s) {
  const auto trimmed = text::trim(s, text::kBlanksAndLineEnds);
  if (trimmed.empty()) return std::nullopt;
  return std::string(trimmed);
}

}  // namespace

boost::asio::awaitable<Result<ModelSettings>> SettingsService::save_model_settings(ModelSettings settings) {
  auto save = [this, settings] { return replace_model_settings(settings); };
  if (auto ec = co_await blocking_.run(std::move(save))) co_return write_failure(ec);
  co_return settings;
}

boost::asio::awaitable<Result<std::optional<std::string>>> SettingsService::save_system_prompt(
    std::optional<std::string> prompt) {
  if (prompt) prompt = trimmed_or_null(*prompt);
  auto save = [this, prompt] { return set_system_prompt(prompt); };
  if (auto ec = co_await blocking_.run(std::move(save))) co_return write_failure(ec);
  co_return system_prompt();
}

boost::asio::awaitable<Result<std::vector<Suggestion>>> SettingsService::add_suggestion(
    Suggestion suggestion) {
  auto add = [this, suggestion] {
    std::vector<Suggestion> after;
    auto ec = modify_suggestions([&](std::vector<Suggestion>& list) {
      list.push_back(suggestion);
      after = list;
      return true;
    });
    return std::make_pair(ec, after);
  };
  auto [ec, after] = co_await blocking_.run(std::move(add));
  if (ec) co_return write_failure(ec);
  co_return after;
}

boost::asio::awaitable<Result<std::optional<std::vector<Suggestion>>>> SettingsService::remove_suggestion(
    std::int64_t index) {
  auto remove = [this, index] {
    std::optional<std::vector<Suggestion>> after;
    auto ec = modify_suggestions([&](std::vector<Suggestion>& list) {
      if (index < 0 || index >= static_cast<std::int64_t>(list.size())) return false;
      list.erase(list.begin() + index);
      after = list;
      return true;
    });
    return std::make_pair(ec, after);
  };
  auto [ec, after] = co_await blocking_.run(std::move(remove));
  if (ec) co_return write_failure(ec);
  co_return after;
}

boost::asio::awaitable<Result<std::vector<Suggestion>>> SettingsService::replace_suggestions(
    std::vector<Suggestion> list) {
  auto replace = [this, list] {
    return modify_suggestions([&](std::vector<Suggestion>& current) {
      current = list;
      return true;
    });
  };
  if (auto ec = co_await blocking_.run(std::move(replace))) co_return write_failure(ec);
  co_return list;
}

}  // namespace parley::settings
