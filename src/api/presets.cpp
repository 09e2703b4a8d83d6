#include "api/presets.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>

#include "api/responses.hpp"
#include "core/clock.hpp"
#include "core/text.hpp"
#include "mcp/server_definition.hpp"
#include "mcp/tool_aggregator.hpp"
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

bj::array current_mcp_definitions(ApiContext& ctx) {
  bj::array out;
  if (ctx.tools) {
    for (const auto& d : ctx.tools->definitions()) out.push_back(mcp::definition_to_file_json(d));
  }
  return out;
}

std::string now_z() {
  return format_iso_utc_z(std::chrono::system_clock::now(), 6);
}

net::Response storage_failure(const std::error_code& ec) {
  return error_response(500, "Internal Server Error: " + ec.message());
}

net::Response unknown_preset(const std::string& name) {
  return error_response(404, "Unknown preset: " + name);
}

std::optional<bj::object> find_preset(ApiContext& ctx, const std::string& name) {
  for (const auto& p : ctx.settings->presets()) {
    if (p.at("name").as_string() == name) return p;
  }
  return std::nullopt;
}

}  // namespace

boost::asio::awaitable<net::Response> get_presets(ApiContext& ctx, net::Request&) {
  auto presets = ctx.settings->presets();
  std::stable_sort(presets.begin(), presets.end(), [](const bj::object& a, const bj::object& b) {
    return text::lower(a.at("name").as_string()) < text::lower(b.at("name").as_string());
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

boost::asio::awaitable<net::Response> post_preset(ApiContext& ctx, net::Request& req) {
  auto body = parse_json_body(req);
  if (!body) co_return error_response(body.error());
  ValidationErrors errors;
  std::string name;
  if (!body->is_object()) {
    errors.add("dict_type", loc({"body"}), "Input should be a valid dictionary");
  } else {
    for (const auto& kv : body->as_object()) {
      if (kv.key() != "name")
        errors.add("extra_forbidden", loc({"body", kv.key()}), "Extra inputs are not permitted");
    }
    const auto* n = body->as_object().if_contains("name");
    if (!n) {
      errors.add("missing", loc({"body", "name"}), "Field required");
    } else if (!n->is_string()) {
      errors.add("string_type", loc({"body", "name"}), "Input should be a valid string");
    } else if (n->as_string().empty()) {
      errors.add("string_too_short", loc({"body", "name"}), "String should have at least 1 character");
    } else if (n->as_string().size() > 200) {
      errors.add("string_too_long", loc({"body", "name"}), "String should have at most 200 characters");
    } else {
      name = std::string(n->as_string());
    }
  }
  if (!errors.empty()) co_return error_response(errors.to_error());
  auto entry = ctx.settings->snapshot_preset(name, current_mcp_definitions(ctx));
  entry["is_default"] = false;
  entry["created_at"] = now_z();
  entry["updated_at"] = entry["created_at"];
  auto* service = ctx.settings;
  auto create = [service, entry, name] {
    bool created = false;
    auto ec = service->modify_presets(
        [&](std::vector<bj::object>& list) {
          for (const auto& p : list) {
            if (p.at("name").as_string() == name) return false;
          }
          list.push_back(entry);
          return true;
        },
        &created);
    return std::make_pair(ec, created);
  };
  auto [ec, created] = co_await ctx.blocking.run(std::move(create));
  if (ec) co_return storage_failure(ec);
  if (!created) co_return error_response(409, "Preset already exists: " + name);
  co_return json_response(200, preset_json(entry));
}

boost::asio::awaitable<net::Response> put_preset(ApiContext& ctx, net::Request& req) {
  if (!req.body.empty()) {
    auto body = parse_json_body(req);
    if (!body) co_return error_response(body.error());
    ValidationErrors errors;
    if (!body->is_object()) {
      errors.add("dict_type", loc({"body"}), "Input should be a valid dictionary");
    } else {
      for (const auto& kv : body->as_object()) {
        if (kv.key() != "note") {
          errors.add("extra_forbidden", loc({"body", kv.key()}), "Extra inputs are not permitted");
        } else if (!kv.value().is_null() && !kv.value().is_string()) {
          errors.add("string_type", loc({"body", "note"}), "Input should be a valid string");
        }
      }
    }
    if (!errors.empty()) co_return error_response(errors.to_error());
  }
  const std::string name = req.path_params["name"];
  auto entry = ctx.settings->snapshot_preset(name, current_mcp_definitions(ctx));
  auto* service = ctx.settings;
  auto update = [service, entry, name] {
    std::optional<bj::object> saved;
    auto ec = service->modify_presets([&](std::vector<bj::object>& list) {
      for (auto& p : list) {
        if (p.at("name").as_string() != name) continue;
        bj::object fresh = entry;
        if (const auto* c = p.if_contains("created_at")) fresh["created_at"] = *c;
        fresh["is_default"] = is_default(p);
        fresh["updated_at"] = now_z();
        p = fresh;
        saved = fresh;
        return true;
      }
      return false;
    });
    return std::make_pair(ec, saved);
  };
  auto [ec, saved] = co_await ctx.blocking.run(std::move(update));
  if (ec) co_return storage_failure(ec);
  if (!saved) co_return unknown_preset(name);
  co_return json_response(200, preset_json(*saved));
}

boost::asio::awaitable<net::Response> delete_preset(ApiContext& ctx, net::Request& req) {
  const std::string name = req.path_params["name"];
  auto* service = ctx.settings;
  // 0: unknown, 1: deleted, 2: the default preset (refused).
  auto remove = [service, name] {
    int outcome = 0;
    auto ec = service->modify_presets([&](std::vector<bj::object>& list) {
      for (auto it = list.begin(); it != list.end(); ++it) {
        if (it->at("name").as_string() != name) continue;
        if (is_default(*it)) {
          outcome = 2;
          return false;
        }
        list.erase(it);
        outcome = 1;
        return true;
      }
      return false;
    });
    return std::make_pair(ec, outcome);
  };
  auto [ec, outcome] = co_await ctx.blocking.run(std::move(remove));
  if (ec) co_return storage_failure(ec);
  if (outcome == 2) co_return error_response(400, "Cannot delete default preset: " + name);
  co_return json_response(200, bj::object{{"deleted", outcome == 1}});
}

boost::asio::awaitable<net::Response> post_preset_set_default(ApiContext& ctx, net::Request& req) {
  const std::string name = req.path_params["name"];
  auto* service = ctx.settings;
  auto mark = [service, name] {
    std::optional<bj::object> saved;
    auto ec = service->modify_presets([&](std::vector<bj::object>& list) {
      const bool known = std::any_of(list.begin(), list.end(),
                                     [&](const bj::object& p) { return p.at("name").as_string() == name; });
      if (!known) return false;
      for (auto& p : list) {
        if (p.at("name").as_string() == name) {
          p["is_default"] = true;
          p["updated_at"] = now_z();
          saved = p;
        } else {
          p["is_default"] = false;
        }
      }
      return true;
    });
    return std::make_pair(ec, saved);
  };
  auto [ec, saved] = co_await ctx.blocking.run(std::move(mark));
  if (ec) co_return storage_failure(ec);
  if (!saved) co_return unknown_preset(name);
  co_return json_response(200, preset_json(*saved));
}

boost::asio::awaitable<net::Response> post_preset_apply(ApiContext& ctx, net::Request& req) {
  const std::string name = req.path_params["name"];
  const auto preset = find_preset(ctx, name);
  if (!preset) co_return unknown_preset(name);
  const auto shaped = preset_json(*preset);
  // 1-2: the model settings (no catalog lookup) and the system prompt; 4: the suggestions ([] when none).
  settings::ModelSettings model;
  model.model = std::string(shaped.at("model").as_string());
  if (shaped.at("provider").is_object()) model.provider = shaped.at("provider").as_object();
  if (shaped.at("parameters").is_object()) model.parameters = shaped.at("parameters").as_object();
  if (shaped.at("supports_tools").is_bool()) model.supports_tools = shaped.at("supports_tools").as_bool();
  model.updated_at = std::chrono::system_clock::now();
  std::optional<std::string> prompt;
  if (shaped.at("system_prompt").is_string()) prompt = std::string(shaped.at("system_prompt").as_string());
  std::vector<settings::Suggestion> suggestions;
  if (const auto& s = shaped.at("suggestions"); s.is_array()) {
    for (const auto& item : s.as_array()) {
      const auto* o = item.if_object();
      const auto* label = o ? o->if_contains("label") : nullptr;
      const auto* text = o ? o->if_contains("text") : nullptr;
      if (label && text && label->is_string() && text->is_string()) {
        suggestions.push_back({std::string(label->as_string()), std::string(text->as_string())});
      }
    }
  }
  auto* service = ctx.settings;
  auto apply_documents = [service, model, prompt, suggestions] {
    if (auto ec = service->replace_model_settings(model)) return ec;
    if (auto ec = service->set_system_prompt(prompt)) return ec;
    return service->modify_suggestions([&](std::vector<settings::Suggestion>& list) {
      list = suggestions;
      return true;
    });
  };
  if (auto ec = co_await ctx.blocking.run(std::move(apply_documents))) co_return storage_failure(ec);
  // 3 and 5: the current definitions not in the preset, then the preset's, persisted and handed to the
  // running aggregator, which restarts only what changed.
  if (ctx.tools) {
    auto definitions = ctx.tools->definitions();
    if (const auto* servers = preset->if_contains("mcp_servers"); servers && servers->is_array()) {
      std::vector<mcp::ServerDefinition> from_preset;
      for (const auto& s : servers->as_array()) {
        ValidationErrors ignored;
        if (auto def = mcp::parse_definition(s, loc({"preset"}), ignored)) from_preset.push_back(*def);
      }
      std::erase_if(definitions, [&](const mcp::ServerDefinition& d) {
        return std::any_of(from_preset.begin(), from_preset.end(),
                           [&](const auto& p) { return p.id == d.id; });
      });
      definitions.insert(definitions.end(), from_preset.begin(), from_preset.end());
    }
    auto applied = co_await ctx.tools->replace_definitions(std::move(definitions), false);
    if (!applied) co_return error_response(applied.error());
  }
  co_return json_response(200, shaped);
}

}  // namespace parley::api
