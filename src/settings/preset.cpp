#include "settings/preset.hpp"

#include "core/clock.hpp"

namespace parley::settings {

namespace bj = boost::json;

namespace {

std::optional<std::chrono::system_clock::time_point> timestamp(const bj::object& entry, const char* key) {
  const auto* v = entry.if_contains(key);
  if (!v || !v->is_string()) return std::nullopt;
  return parse_timestamp(v->get_string());
}

}  // namespace

std::optional<Preset> preset_from_stored(const bj::object& entry) {
  const auto* name = entry.if_contains("name");
  const auto* model = entry.if_contains("model");
  if (!name || !name->is_string() || name->get_string().empty() || !model || !model->is_string())
    return std::nullopt;
  Preset p;
  p.name = std::string(name->get_string());
  bj::object members;
  for (const char* k : {"model", "provider", "parameters", "supports_tools"}) {
    if (const auto* v = entry.if_contains(k)) members[k] = *v;
  }
  if (auto parsed = parse_model_settings(members)) {
    p.model_settings = std::move(*parsed);
  } else {
    p.model_settings.model = std::string(model->get_string());
  }
  if (const auto* prompt = entry.if_contains("system_prompt"); prompt && prompt->is_string())
    p.system_prompt = std::string(prompt->get_string());
  if (const auto* servers = entry.if_contains("mcp_servers"); servers && servers->is_array())
    p.mcp_servers = servers->get_array();
  if (const auto* items = entry.if_contains("suggestions"); items && items->is_array()) {
    p.suggestions.emplace();
    for (const auto& item : items->get_array()) {
      const auto* o = item.if_object();
      const auto* label = o ? o->if_contains("label") : nullptr;
      const auto* text = o ? o->if_contains("text") : nullptr;
      if (label && text && label->is_string() && text->is_string())
        p.suggestions->push_back({std::string(label->get_string()), std::string(text->get_string())});
    }
  }
  const auto* is_default = entry.if_contains("is_default");
  p.is_default = is_default && is_default->is_bool() && is_default->get_bool();
  p.created_at = timestamp(entry, "created_at");
  p.updated_at = timestamp(entry, "updated_at");
  return p;
}

bj::object stored_preset(const Preset& p) {
  auto out = model_settings_file_members(p.model_settings);
  out.erase("updated_at");
  out["name"] = p.name;
  if (p.system_prompt) out["system_prompt"] = *p.system_prompt;
  if (p.mcp_servers) out["mcp_servers"] = *p.mcp_servers;
  if (p.suggestions) {
    bj::array items;
    for (const auto& s : *p.suggestions) items.push_back(bj::object{{"label", s.label}, {"text", s.text}});
    out["suggestions"] = std::move(items);
  }
  out["is_default"] = p.is_default;
  if (p.created_at) out["created_at"] = format_iso_utc_z(*p.created_at, 6);
  if (p.updated_at) out["updated_at"] = format_iso_utc_z(*p.updated_at, 6);
  return out;
}

}  // namespace parley::settings
