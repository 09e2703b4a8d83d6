#include "chat/file_model_settings.hpp"

#include "core/atomic_file.hpp"
#include "core/json.hpp"
#include "core/log.hpp"

namespace parley::chat {

namespace bj = boost::json;

namespace {

bj::object non_null_members(const bj::value* v) {
  bj::object out;
  if (!v || !v->is_object()) return out;
  for (const auto& kv : v->as_object()) {
    if (!kv.value().is_null()) out[kv.key()] = kv.value();
  }
  return out;
}

}  // namespace

ActiveModelSettings FileModelSettings::active() {
  ActiveModelSettings s;
  s.model = config_.default_model;
  s.system_prompt = config_.default_system_prompt;
  std::error_code ec;
  if (auto text = read_file(config_.model_settings_path, ec)) {
    auto doc = json::parse(*text);
    if (doc && doc->is_object()) {
      const auto& obj = doc->as_object();
      if (const auto* m = obj.if_contains("model"); m && m->is_string() && !m->as_string().empty()) {
        s.model = std::string(m->as_string());
      }
      s.provider = non_null_members(obj.if_contains("provider"));
      s.parameters = non_null_members(obj.if_contains("parameters"));
      if (const auto* p = obj.if_contains("system_prompt")) {
        if (p->is_null()) s.system_prompt.reset();
        if (p->is_string()) s.system_prompt = std::string(p->as_string());
      }
      if (const auto* t = obj.if_contains("supports_tools"); t && t->is_bool())
        s.supports_tools = t->as_bool();
    } else {
      log::warn("{} is not a JSON object; chat uses the default model settings",
                config_.model_settings_path.string());
    }
  }
  std::lock_guard lock(mutex_);
  if (!s.supports_tools && remembered_ && remembered_->first == s.model)
    s.supports_tools = remembered_->second;
  return s;
}

void FileModelSettings::remember_supports_tools(const std::string& model, bool supports) {
  std::lock_guard lock(mutex_);
  remembered_ = std::make_pair(model, supports);
}

}  // namespace parley::chat
