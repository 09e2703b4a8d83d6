// Handlers of the preset routes (api.md §2.15): parse the request, call the PresetService, shape the preset
// object (every key present, MCP definitions as the API shows them).
#include "api/presets.hpp"

#include <boost/json.hpp>

#include "api/responses.hpp"
#include "core/clock.hpp"
#include "mcp/server_definition.hpp"
#include "settings/preset_service.hpp"

namespace parley::api {

namespace bj = boost::json;
using settings::Preset;

namespace {

bj::value timestamp(const std::optional<std::chrono::system_clock::time_point>& t) {
  return t ? bj::value(format_iso_utc_z(*t, 6)) : bj::value(nullptr);
}

// Inside a preset object every key of a definition is present (§2.15); stored entries that are no valid
// definition are not shown.
bj::array api_definitions(const bj::array& stored) {
  bj::array list;
  for (const auto& s : stored) {
    ValidationErrors ignored;
    if (auto def = mcp::parse_definition(s, loc({"preset"}), ignored)) {
      bj::object entry;
      mcp::write_definition_api_fields(*def, entry);
      list.push_back(std::move(entry));
    }
  }
  return list;
}

// The §2.15 preset object: every key present.
bj::object preset_object(const Preset& p) {
  const auto model = settings::model_settings_json(p.model_settings);
  bj::object out;
  out["name"] = p.name;
  for (const char* k : {"model", "provider", "parameters", "supports_tools"}) out[k] = model.at(k);
  out["system_prompt"] = p.system_prompt ? bj::value(*p.system_prompt) : bj::value(nullptr);
  out["mcp_servers"] = p.mcp_servers ? bj::value(api_definitions(*p.mcp_servers)) : bj::value(nullptr);
  out["suggestions"] = nullptr;
  if (p.suggestions) {
    bj::array items;
    for (const auto& s : *p.suggestions) items.push_back(bj::object{{"label", s.label}, {"text", s.text}});
    out["suggestions"] = std::move(items);
  }
  out["is_default"] = p.is_default;
  out["created_at"] = timestamp(p.created_at);
  out["updated_at"] = timestamp(p.updated_at);
  return out;
}

net::Response preset_response(const Result<Preset>& result) {
  if (!result) return error_response(result.error());
  return json_response(200, preset_object(*result));
}

// POST's body: {"name": string of 1-200 characters}, nothing else.
Result<std::string> parse_new_name(const bj::value& body) {
  ValidationErrors errors;
  if (!body.is_object()) {
    errors.add("dict_type", loc({"body"}), "Input should be a valid dictionary");
    return errors.to_error();
  }
  for (const auto& kv : body.get_object()) {
    if (kv.key() != "name")
      errors.add("extra_forbidden", loc({"body", kv.key()}), "Extra inputs are not permitted");
  }
  std::string name;
  const auto* n = body.get_object().if_contains("name");
  if (!n) {
    errors.add("missing", loc({"body", "name"}), "Field required");
  } else if (!n->is_string()) {
    errors.add("string_type", loc({"body", "name"}), "Input should be a valid string");
  } else if (n->get_string().empty()) {
    errors.add("string_too_short", loc({"body", "name"}), "String should have at least 1 character");
  } else if (n->get_string().size() > 200) {
    errors.add("string_too_long", loc({"body", "name"}), "String should have at most 200 characters");
  } else {
    name = std::string(n->get_string());
  }
  if (!errors.empty()) return errors.to_error();
  return name;
}

// PUT's optional body: none, {} or {"note": string|null} (the note is ignored).
std::optional<Error> update_body_problem(const net::Request& req) {
  if (req.body.empty()) return std::nullopt;
  auto body = parse_json_body(req);
  if (!body) return body.error();
  ValidationErrors errors;
  if (!body->is_object()) {
    errors.add("dict_type", loc({"body"}), "Input should be a valid dictionary");
  } else {
    for (const auto& kv : body->get_object()) {
      if (kv.key() != "note") {
        errors.add("extra_forbidden", loc({"body", kv.key()}), "Extra inputs are not permitted");
      } else if (!kv.value().is_null() && !kv.value().is_string()) {
        errors.add("string_type", loc({"body", "note"}), "Input should be a valid string");
      }
    }
  }
  if (!errors.empty()) return errors.to_error();
  return std::nullopt;
}

}  // namespace

boost::asio::awaitable<net::Response> get_presets(PresetRoutes& ctx, net::Request&) {
  bj::array items;
  for (const auto& p : ctx.presets.list()) {
    items.push_back(bj::object{{"name", p.name},
                               {"model", p.model_settings.model},
                               {"is_default", p.is_default},
                               {"created_at", timestamp(p.created_at)},
                               {"updated_at", timestamp(p.updated_at)}});
  }
  co_return json_response(200, items);
}

boost::asio::awaitable<net::Response> get_default_preset(PresetRoutes& ctx, net::Request&) {
  const auto preset = ctx.presets.default_preset();
  co_return json_response(200, preset ? bj::value(preset_object(*preset)) : bj::value(nullptr));
}

boost::asio::awaitable<net::Response> get_preset(PresetRoutes& ctx, net::Request& req) {
  const auto& name = req.path_params["name"];
  const auto preset = ctx.presets.find(name);
  if (!preset) co_return error_response(404, "Unknown preset: " + name);
  co_return json_response(200, preset_object(*preset));
}

boost::asio::awaitable<net::Response> post_preset(PresetRoutes& ctx, net::Request& req) {
  auto body = parse_json_body(req);
  if (!body) co_return error_response(body.error());
  auto name = parse_new_name(*body);
  if (!name) co_return error_response(name.error());
  co_return preset_response(co_await ctx.presets.create(std::move(*name)));
}

boost::asio::awaitable<net::Response> put_preset(PresetRoutes& ctx, net::Request& req) {
  if (auto problem = update_body_problem(req)) co_return error_response(*problem);
  co_return preset_response(co_await ctx.presets.update(req.path_params["name"]));
}

boost::asio::awaitable<net::Response> delete_preset(PresetRoutes& ctx, net::Request& req) {
  const auto deleted = co_await ctx.presets.remove(req.path_params["name"]);
  if (!deleted) co_return error_response(deleted.error());
  co_return json_response(200, bj::object{{"deleted", *deleted}});
}

boost::asio::awaitable<net::Response> post_preset_set_default(PresetRoutes& ctx, net::Request& req) {
  co_return preset_response(co_await ctx.presets.make_default(req.path_params["name"]));
}

boost::asio::awaitable<net::Response> post_preset_apply(PresetRoutes& ctx, net::Request& req) {
  co_return preset_response(co_await ctx.presets.apply(req.path_params["name"]));
}

}  // namespace parley::api
