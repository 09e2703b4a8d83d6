#include "api/settings.hpp"

#include <boost/json.hpp>
#include <charconv>

#include "api/responses.hpp"
#include "core/text.hpp"
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

net::Response storage_failure(const std::error_code& ec) {
  return error_response(500, "Internal Server Error: " + ec.message());
}

// The §2.8 computed supports_tools of `model` from the cached list; nullopt when unknown.
boost::asio::awaitable<std::optional<bool>> catalog_supports_tools(ApiContext& ctx, std::string model) {
  if (!ctx.catalog) co_return std::nullopt;
  const auto entry = co_await ctx.catalog->find_model(std::move(model));
  if (!entry) co_return std::nullopt;
  co_return llm::enrich_model(*entry).at("supports_tools").as_bool();
}

std::optional<std::string> trimmed_or_null(std::string_view s) {
  const auto trimmed = text::trim(s, text::kBlanksAndLineEnds);
  if (trimmed.empty()) return std::nullopt;
  return std::string(trimmed);
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

boost::asio::awaitable<net::Response> get_model_settings(ApiContext& ctx, net::Request&) {
  co_return json_response(200, settings::model_settings_json(ctx.settings->model_settings()));
}

boost::asio::awaitable<net::Response> put_model_settings(ApiContext& ctx, net::Request& req) {
  auto body = parse_json_body(req);
  if (!body) co_return error_response(body.error());
  auto parsed = settings::parse_model_settings(*body);
  if (!parsed) co_return error_response(parsed.error());
  if (!parsed->supports_tools) parsed->supports_tools = co_await catalog_supports_tools(ctx, parsed->model);
  auto* service = ctx.settings;
  auto document = *parsed;
  auto save = [service, document] { return service->replace_model_settings(document); };
  if (auto ec = co_await ctx.blocking.run(std::move(save))) co_return storage_failure(ec);
  co_return json_response(200, settings::model_settings_json(*parsed));
}

boost::asio::awaitable<net::Response> get_system_prompt(ApiContext& ctx, net::Request&) {
  const auto prompt = ctx.settings->system_prompt();
  co_return json_response(200,
                          bj::object{{"system_prompt", prompt ? bj::value(*prompt) : bj::value(nullptr)}});
}

boost::asio::awaitable<net::Response> put_system_prompt(ApiContext& ctx, net::Request& req) {
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
  if (value) {
    const std::optional<std::string> prompt =
        value->is_string() ? trimmed_or_null(value->as_string()) : std::nullopt;
    auto* service = ctx.settings;
    auto save = [service, prompt] { return service->set_system_prompt(prompt); };
    if (auto ec = co_await ctx.blocking.run(std::move(save))) co_return storage_failure(ec);
  }
  const auto prompt = ctx.settings->system_prompt();
  co_return json_response(200,
                          bj::object{{"system_prompt", prompt ? bj::value(*prompt) : bj::value(nullptr)}});
}

boost::asio::awaitable<net::Response> get_suggestions(ApiContext& ctx, net::Request&) {
  co_return json_response(200, suggestions_body(ctx.settings->suggestions()));
}

boost::asio::awaitable<net::Response> post_suggestion(ApiContext& ctx, net::Request& req) {
  auto body = parse_json_body(req);
  if (!body) co_return error_response(body.error());
  ValidationErrors errors;
  auto item = parse_suggestion(*body, loc({"body"}), false, errors);
  if (!item) co_return error_response(errors.to_error());
  auto* service = ctx.settings;
  auto add = [service, item] {
    std::vector<Suggestion> after;
    auto ec = service->modify_suggestions([&](std::vector<Suggestion>& list) {
      list.push_back(*item);
      after = list;
      return true;
    });
    return std::make_pair(ec, after);
  };
  auto [ec, after] = co_await ctx.blocking.run(std::move(add));
  if (ec) co_return storage_failure(ec);
  co_return json_response(201, suggestions_body(after));
}

boost::asio::awaitable<net::Response> delete_suggestion(ApiContext& ctx, net::Request& req) {
  const auto raw = req.path_params["index"];
  long long index = 0;
  const auto [ptr, perr] = std::from_chars(raw.data(), raw.data() + raw.size(), index);
  if (raw.empty() || perr != std::errc() || ptr != raw.data() + raw.size()) {
    ValidationErrors errors;
    errors.add("int_parsing", loc({"path", "index"}),
               "Input should be a valid integer, unable to parse string as an integer", bj::string(raw));
    co_return error_response(errors.to_error());
  }
  auto* service = ctx.settings;
  auto remove = [service, index] {
    std::vector<Suggestion> after;
    bool removed = false;
    auto ec = service->modify_suggestions(
        [&](std::vector<Suggestion>& list) {
          if (index < 0 || index >= static_cast<long long>(list.size())) return false;
          list.erase(list.begin() + index);
          after = list;
          return true;
        },
        &removed);
    return std::make_tuple(ec, removed, after);
  };
  auto [ec, removed, after] = co_await ctx.blocking.run(std::move(remove));
  if (ec) co_return storage_failure(ec);
  if (!removed) co_return error_response(404, "Invalid suggestion index: " + raw);
  co_return json_response(200, suggestions_body(after));
}

boost::asio::awaitable<net::Response> put_suggestions(ApiContext& ctx, net::Request& req) {
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
  auto* service = ctx.settings;
  auto replace = [service, list] {
    return service->modify_suggestions([&](std::vector<Suggestion>& current) {
      current = list;
      return true;
    });
  };
  if (auto ec = co_await ctx.blocking.run(std::move(replace))) co_return storage_failure(ec);
  co_return json_response(200, suggestions_body(list));
}

}  // namespace parley::api
