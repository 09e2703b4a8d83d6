// GET /api/settings/model/active-provider (api.md §2.12): asks the upstream for its providers and the active
// model's endpoints and describes how the saved provider preferences route the model. Always 200.
#include <boost/json.hpp>
#include <exception>

#include "api/responses.hpp"
#include "api/settings.hpp"
#include "core/json.hpp"
#include "llm/provider_routing.hpp"
#include "settings/settings_service.hpp"

namespace parley::api {

namespace bj = boost::json;

namespace {

// GET {base}{path} and the array at data (or data.endpoints); an empty array on any failure (§2.12).
boost::asio::awaitable<bj::array> upstream_list(ApiContext& ctx, std::string path, bool endpoints) {
  net::ClientRequest up;
  up.url = ctx.config.openrouter_base_url + path;
  if (!ctx.config.openrouter_api_key.empty())
    up.headers.add("Authorization", "Bearer " + ctx.config.openrouter_api_key);
  up.headers.add("Accept", "application/json");
  up.read_timeout = std::chrono::seconds(std::min(ctx.config.openrouter_timeout_seconds, 15));
  auto response = co_await ctx.http_client->fetch(std::move(up));
  if (!response || response.value->status != 200) co_return bj::array{};
  const auto doc = json::parse(response.value->body);
  if (!doc || !doc->is_object()) co_return bj::array{};
  const auto* data = doc->get_object().if_contains("data");
  if (endpoints && data && data->is_object()) data = data->get_object().if_contains("endpoints");
  if (!data || !data->is_array()) co_return bj::array{};
  co_return data->get_array();
}

std::string endpoints_path(const std::string& model_id) {
  const auto slash = model_id.find('/');
  return "/models/" + net::percent_encode_segment(model_id.substr(0, slash)) + "/" +
         net::percent_encode_segment(model_id.substr(slash + 1)) + "/endpoints";
}

}  // namespace

boost::asio::awaitable<net::Response> get_active_provider(ApiContext& ctx, net::Request&) {
  const auto current = ctx.settings->model_settings();
  std::optional<std::string> failure;
  bj::object body;
  try {
    llm::RoutingInputs in;
    in.model_id = current.model;
    in.provider = current.provider;
    in.providers = co_await upstream_list(ctx, "/providers", false);
    if (llm::lists_model_endpoints(current.model)) {
      in.endpoints = co_await upstream_list(ctx, endpoints_path(current.model), true);
    }
    body = llm::describe_active_provider(in);
  } catch (const std::exception& e) {
    failure = e.what();
  }
  if (failure) body = llm::active_provider_fallback(current.model, *failure);
  co_return net::Response::json(200, json::serialize(body));
}

}  // namespace parley::api
