#include "api/presets.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>

#include "api/responses.hpp"
#include "core/clock.hpp"
#include "mcp/server_definition.hpp"
#include "settings/settings_service.hpp"

namespace parley::api {

namespace bj = boost::json;

namespace {

bj::value timestamp(const bj::object& p, const char* key) {
  const auto* v = p.if_contains(key);
  if (!v || !v->is_string()) return nullptr;
  auto t = parse_timestamp(v->as_string());
  return t ? bj::value(format_iso_utc_z(*t, 6)) : bj::value(nullptr);
}

bool is_default(const bj::object& p) {
  const auto* d = p.if_contains("is_default");
  return d && d->is_bool() && d->as_bool();
}

// The §2.15 preset object: every key present.
bj::object preset_json(const bj::object& p) {
  bj::object settings_members;
  for (const char* k : {"model", "provider", "parameters", "supports_tools"}) {
    if (const auto* v = p.if_contains(k)) settings_members[k] = *v;
  }
  bj::object out;
  out["name"] = p.at("name");
  if (auto parsed = settings::parse_model_settings(settings_members)) {
    auto shaped = settings::model_settings_json(*parsed);
    for (const char* k : {"model", "provider", "parameters", "supports_tools"}) out[k] = shaped.at(k);
  } else {
    out["model"] = p.at("model");
    out["provider"] = nullptr;
    out["parameters"] = nullptr;
    out["supports_tools"] = nullptr;
  }
  const auto* prompt = p.if_contains("system_prompt");
  out["system_prompt"] = prompt && prompt->is_string() ? *prompt : bj::value(nullptr);
  out["mcp_servers"] = nullptr;
  if (const auto* servers = p.if_contains("mcp_servers"); servers && servers->is_array()) {
    bj::array list;
    for (const auto& s : servers->as_array()) {
      ValidationErrors ignored;
      if (auto def = mcp::parse_definition(s, loc({"preset"}), ignored)) {
        bj::object entry;
        mcp::write_definition_api_fields(*def, entry);
        list.push_back(std::move(entry));
      }
    }
    out["mcp_servers"] = std::move(list);
  }
  out["suggestions"] = nullptr;
  if (const auto* sug = p.if_contains("suggestions"); sug && sug->is_array()) out["suggestions"] = *sug;
  out["is_default"] = is_default(p);
  out["created_at"] = timestamp(p, "created_at");
  out["updated_at"] = timestamp(p, "updated_at");
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

boost::asio::awaitable<net::Response> get_presets(ApiContext& ctx, net::Request&) {
  auto presets = ctx.settings->presets();
  std::stable_sort(presets.begin(), presets.end(), [](const bj::object& a, const bj::object& b) {
    return lower(a.at("name").as_string()) < lower(b.at("name").as_string());
  });
  bj::array items;
  for (const auto& p : presets) {
    items.push_back(bj::object{{"name", p.at("name")},
                               {"model", p.at("model")},
                               {"is_default", is_default(p)},
                               {"created_at", timestamp(p, "created_at")},
                               {"updated_at", timestamp(p, "updated_at")}});
  }
  co_return json_response(200, items);
}

boost::asio::awaitable<net::Response> get_default_preset(ApiContext& ctx, net::Request&) {
  for (const auto& p : ctx.settings->presets()) {
    if (is_default(p)) co_return json_response(200, preset_json(p));
  }
  co_return json_response(200, nullptr);
}

boost::asio::awaitable<net::Response> get_preset(ApiContext& ctx, net::Request& req) {
  const auto& name = req.path_params["name"];
  for (const auto& p : ctx.settings->presets()) {
    if (p.at("name").as_string() == name) co_return json_response(200, preset_json(p));
  }
  co_return error_response(404, "Unknown preset: " + name);
}

}  // namespace parley::api
