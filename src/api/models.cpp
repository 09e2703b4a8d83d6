#include "api/models.hpp"

#include <boost/json.hpp>
#include <cctype>

#include "api/responses.hpp"
#include "core/text.hpp"
#include "llm/model_enrichment.hpp"
#include "llm/model_filters.hpp"
#include "llm/model_metadata.hpp"

namespace parley::api {

namespace bj = boost::json;

namespace {

// A failed upstream call as the proxy routes answer it (§2.7, §2.8). A timed-out model list has answered 504
// since the first release (§2.8 says 502 for every transport error); the generation route answers 502.
Error upstream_failure(const llm::ProviderError& error, ErrorKind timeout_kind) {
  using Kind = llm::ProviderError::Kind;
  switch (error.kind) {
    case Kind::http_status:
      return Error::upstream_answer(error.status, llm::upstream_error_detail(error.body));
    case Kind::malformed:
      return Error::make(ErrorKind::upstream_failed, error.message);
    case Kind::not_configured:
      return Error::make(ErrorKind::not_configured, "OPENROUTER_API_KEY is not configured");
    case Kind::timeout:
      return Error::make(timeout_kind, "Upstream connection failed: " + error.message);
    case Kind::cancelled:
    case Kind::unreachable:
    case Kind::disconnected:
      break;
  }
  return Error::make(ErrorKind::upstream_failed, "Upstream connection failed: " + error.message);
}

std::optional<bool> parse_bool(std::string_view raw) {
  const auto v = text::lower(raw);
  if (v == "true" || v == "1" || v == "yes" || v == "on") return true;
  if (v == "false" || v == "0" || v == "no" || v == "off") return false;
  return std::nullopt;
}

std::vector<std::string> search_tokens(const std::string& search) {
  std::vector<std::string> tokens;
  std::string cur;
  for (const char c : text::lower(search)) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (!cur.empty()) tokens.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) tokens.push_back(cur);
  return tokens;
}

}  // namespace

boost::asio::awaitable<net::Response> get_models(ApiContext& ctx, net::Request& req) {
  llm::ModelQuery query;
  if (auto t = req.query_param("tools_only")) {
    auto b = parse_bool(*t);
    if (!b) {
      ValidationErrors errors;
      errors.add("bool_parsing", loc({"query", "tools_only"}),
                 "Input should be a valid boolean, unable to interpret input", bj::string(*t));
      co_return error_response(errors.to_error());
    }
    query.tools_only = *b;
  }
  if (auto s = req.query_param("search")) query.search_tokens = search_tokens(*s);
  if (auto f = req.query_param("filters")) {
    auto parsed = llm::parse_filters(*f);
    if (!parsed) co_return error_response(parsed.error());
    query.filters = std::move(*parsed);
  }

  const auto result = co_await ctx.catalog->models();
  if (result.error) co_return error_response(upstream_failure(*result.error, ErrorKind::upstream_timeout));
  const auto& upstream = result.payload->as_object();
  const auto* data = upstream.if_contains("data");
  if (!data || !data->is_array()) co_return json_response(200, upstream);

  bj::array filtered;
  std::size_t base_count = 0;
  for (const auto& item : data->as_array()) {
    if (!item.is_object()) continue;
    auto model = llm::enrich_model(item.as_object());
    if (query.tools_only && !model.at("supports_tools").as_bool()) continue;
    ++base_count;
    if (!llm::matches_search(model, query.search_tokens)) continue;
    if (!llm::matches_filters(model, query.filters)) continue;
    filtered.push_back(std::move(model));
  }
  bj::object body = upstream;
  const auto count = filtered.size();
  body["data"] = std::move(filtered);
  body["metadata"] =
      bj::object{{"total", data->as_array().size()}, {"base_count", base_count}, {"count", count}};
  co_return json_response(200, body);
}

boost::asio::awaitable<net::Response> get_models_metadata(ApiContext& ctx, net::Request&) {
  const auto result = co_await ctx.catalog->models();
  if (result.error) co_return error_response(upstream_failure(*result.error, ErrorKind::upstream_timeout));
  bj::array enriched;
  if (const auto* data = result.payload->as_object().if_contains("data"); data && data->is_array()) {
    for (const auto& item : data->as_array()) {
      if (item.is_object()) enriched.push_back(llm::enrich_model(item.as_object()));
    }
  }
  co_return json_response(200, llm::models_metadata(enriched));
}

boost::asio::awaitable<net::Response> get_generation(ApiContext& ctx, net::Request& req) {
  auto body = co_await ctx.provider->generation(req.path_params["generation_id"]);
  if (!body) co_return error_response(upstream_failure(body.error(), ErrorKind::upstream_failed));
  // The upstream body is returned unchanged.
  co_return net::Response::json(200, std::move(*body));
}

}  // namespace parley::api
