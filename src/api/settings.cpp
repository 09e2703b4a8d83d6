#include "api/settings.hpp"

#include <boost/json.hpp>
#include <charconv>

#include "api/responses.hpp"
#include "llm/model_enrichment.hpp"
#include "settings/settings_service.hpp"

namespace parley::api {

namespace bj = boost::json;
using settings::Suggestion;

namespace {

bj::object suggestions_body(const std::vector<Suggestion>& list) {
  bj::array items;
  for (const auto& s : list) items.push_back(bj::object{{"label", s.label}, {"text", s.text}});
  return bj::object{{"suggestions", std::move(items)}};
}

bj::object prompt_body(const std::optional<std::string>& prompt) {
  return bj::object{{"system_prompt", prompt ? bj::value(*prompt) : bj::value(nullptr)}};
}

// The §2.8 computed supports_tools of `model` from the cached list; nullopt when unknown.
boost::asio::awaitable<std::optional<bool>> catalog_supports_tools(SettingsRoutes& ctx, std::string model) {
  const auto entry = co_await ctx.catalog.find_model(std::move(model));
  if (!entry) co_return std::nullopt;
  co_return llm::enrich_model(*entry).at("supports_tools").as_bool();
}

// One suggestion item; `forbid_extra` for PUT items.
std::optional<Suggestion> parse_suggestion(const bj::value& v, bj::array where, bool forbid_extra,
                                           ValidationErrors& errors) {
  if (!v.is_object()) {
    errors.add("dict_type", where, "Input should be a valid dictionary");
    return std::nullopt;
  }
  Suggestion s;
  bool ok = true;
  for (const char* key : {"label", "text"}) {
    auto l = where;
    l.emplace_back(key);
    const auto* f = v.as_object().if_contains(key);
    if (!f) {
      errors.add("missing", l, "Field required");
      ok = false;
    } else if (!f->is_string()) {
      errors.add("string_type", l, "Input should be a valid string");
      ok = false;
    } else if (f->as_string().empty()) {
      errors.add("string_too_short", l, "String should have at least 1 character");
      ok = false;
    } else {
      (std::string_view(key) == "label" ? s.label : s.text) = std::string(f->as_string());
    }
  }
  if (forbid_extra) {
    for (const auto& kv : v.as_object()) {
      if (kv.key() != "label" && kv.key() != "text") {
        auto l = where;
        l.emplace_back(kv.key());
        errors.add("extra_forbidden", l, "Extra inputs are not permitted");
        ok = false;
      }
    }
  }
  return ok ? std::optional<Suggestion>(s) : std::nullopt;
}

}  // namespace

boost::asio::awaitable<net::Response> get_model_settings(SettingsRoutes& ctx, net::Request&) {
  co_return json_response(200, settings::model_settings_json(ctx.settings.model_settings()));
}

boost::asio::awaitable<net::Response> put_model_settings(SettingsRoutes& ctx, net::Request& req) {
  auto body = parse_json_body(req);
  if (!body) co_return error_response(body.error());
  auto parsed = settings::parse_model_settings(*body);
  if (!parsed) co_return error_response(parsed.error());
  if (!parsed->supports_tools) parsed->supports_tools = co_await catalog_supports_tools(ctx, parsed->model);
  const auto saved = co_await ctx.settings.save_model_settings(std::move(*parsed));
  if (!saved) co_return error_response(saved.error());
  co_return json_response(200, settings::model_settings_json(*saved));
}

boost::asio::awaitable<net::Response> get_system_prompt(SettingsRoutes& ctx, net::Request&) {
  co_return json_response(200, prompt_body(ctx.settings.system_prompt()));
}

boost::asio::awaitable<net::Response> put_system_prompt(SettingsRoutes& ctx, net::Request& req) {
  auto body = parse_json_body(req);
  if (!body) co_return error_response(body.error());
  ValidationErrors errors;
  if (!body->is_object()) {
    errors.add("dict_type", loc({"body"}), "Input should be a valid dictionary");
    co_return error_response(errors.to_error());
  }
  for (const auto& kv : body->as_object()) {
    if (kv.key() != "system_prompt")
      errors.add("extra_forbidden", loc({"body", kv.key()}), "Extra inputs are not permitted");
  }
  const auto* value = body->as_object().if_contains("system_prompt");
  if (value && !value->is_null() && !value->is_string()) {
    errors.add("string_type", loc({"body", "system_prompt"}), "Input should be a valid string");
  }
  if (!errors.empty()) co_return error_response(errors.to_error());
  // An absent key changes nothing.
  if (!value) co_return json_response(200, prompt_body(ctx.settings.system_prompt()));
  // Arguments are named first: g++ 12 mishandles temporaries built inside a co_await expression.
  std::optional<std::string> prompt;
  if (value->is_string()) prompt = std::string(value->get_string());
  const auto saved = co_await ctx.settings.save_system_prompt(std::move(prompt));
  if (!saved) co_return error_response(saved.error());
  co_return json_response(200, prompt_body(*saved));
}

boost::asio::awaitable<net::Response> get_suggestions(SettingsRoutes& ctx, net::Request&) {
  co_return json_response(200, suggestions_body(ctx.settings.suggestions()));
}

boost::asio::awaitable<net::Response> post_suggestion(SettingsRoutes& ctx, net::Request& req) {
  auto body = parse_json_body(req);
  if (!body) co_return error_response(body.error());
  ValidationErrors errors;
  auto item = parse_suggestion(*body, loc({"body"}), false, errors);
  if (!item) co_return error_response(errors.to_error());
  const auto after = co_await ctx.settings.add_suggestion(std::move(*item));
  if (!after) co_return error_response(after.error());
  co_return json_response(201, suggestions_body(*after));
}

boost::asio::awaitable<net::Response> delete_suggestion(SettingsRoutes& ctx, net::Request& req) {
  const auto raw = req.path_params["index"];
  std::int64_t index = 0;
  const auto [ptr, perr] = std::from_chars(raw.data(), raw.data() + raw.size(), index);
  if (raw.empty() || perr != std::errc() || ptr != raw.data() + raw.size()) {
    ValidationErrors errors;
    errors.add("int_parsing", loc({"path", "index"}),
               "Input should be a valid integer, unable to parse string as an integer", bj::string(raw));
    co_return error_response(errors.to_error());
  }
  const auto after = co_await ctx.settings.remove_suggestion(index);
  if (!after) co_return error_response(after.error());
  if (!*after) co_return error_response(404, "Invalid suggestion index: " + raw);
  co_return json_response(200, suggestions_body(**after));
}

boost::asio::awaitable<net::Response> put_suggestions(SettingsRoutes& ctx, net::Request& req) {
  auto body = parse_json_body(req);
  if (!body) co_return error_response(body.error());
  ValidationErrors errors;
  std::vector<Suggestion> list;
  const auto* items = body->is_object() ? body->as_object().if_contains("suggestions") : nullptr;
  if (!body->is_object()) {
    errors.add("dict_type", loc({"body"}), "Input should be a valid dictionary");
  } else if (!items) {
    errors.add("missing", loc({"body", "suggestions"}), "Field required");
  } else if (!items->is_array()) {
    errors.add("list_type", loc({"body", "suggestions"}), "Input should be a valid list");
  } else {
    for (std::size_t i = 0; i < items->as_array().size(); ++i) {
      if (auto s = parse_suggestion(items->as_array()[i], loc({"body", "suggestions", i}), true, errors))
        list.push_back(*s);
    }
  }
  if (!errors.empty()) co_return error_response(errors.to_error());
  const auto after = co_await ctx.settings.replace_suggestions(std::move(list));
  if (!after) co_return error_response(after.error());
  co_return json_response(200, suggestions_body(*after));
}

}  // namespace parley::api
