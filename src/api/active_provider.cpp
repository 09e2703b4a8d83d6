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

// Failures of either listing are empty lists (§2.12).
bj::array or_empty(Result<bj::array, llm::ProviderError> listed) {
  return listed ? std::move(*listed) : bj::array{};
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
    in.providers = or_empty(co_await ctx.provider->providers());
    if (llm::lists_model_endpoints(current.model)) {
      in.endpoints = or_empty(co_await ctx.provider->model_endpoints(current.model));
    }
    body = llm::describe_active_provider(in);
  } catch (const std::exception& e) {
    failure = e.what();
  }
  if (failure) body = llm::active_provider_fallback(current.model, *failure);
  co_return net::Response::json(200, json::serialize(body));
}

}  // namespace parley::api
