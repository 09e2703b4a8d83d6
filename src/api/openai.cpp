#include "api/openai.hpp"

#include <boost/json/serialize.hpp>
#include <memory>

#include "api/responses.hpp"
#include "chat/openai_completions.hpp"
#include "core/json.hpp"
#include "core/log.hpp"
#include "keys/api_key_service.hpp"
#include "llm/model_catalog.hpp"

namespace parley::api {

namespace bj = boost::json;
using boost::asio::awaitable;
using chat::OpenAiError;

namespace {

net::Response openai_error(const OpenAiError& e) {
  auto res = json_response(http_status(e.kind), e.to_json());
  if (e.kind == ErrorKind::unauthorized) res.headers.set("WWW-Authenticate", "Bearer");
  return res;
}

OpenAiError error_of(ErrorKind kind, std::string message, std::string type, std::optional<std::string> code) {
  OpenAiError e;
  e.kind = kind;
  e.message = std::move(message);
  e.type = std::move(type);
  e.code = std::move(code);
  return e;
}

// The request's key, or the answer that refuses it (401 without a valid key, 429 past its cap).
awaitable<std::optional<keys::ApiKey>> authenticate(OpenAiRoutes& ctx, const net::Request& req,
                                                    std::optional<OpenAiError>& refusal) {
  const auto header = req.header("Authorization");
  if (header.empty()) {
    refusal =
        error_of(ErrorKind::unauthorized,
                 "You didn't provide an API key. Send your parley API key in an Authorization header using "
                 "Bearer auth (Authorization: Bearer sk-parley-...); create one in parley's Settings or "
                 "with `parley keys create`.",
                 "invalid_request_error", std::nullopt);
    co_return std::nullopt;
  }
  auto key = co_await ctx.keys.find_async(std::string(header));
  if (!key || key->revoked()) {
    refusal = error_of(ErrorKind::unauthorized,
                       "Incorrect API key provided. Create a key in parley's Settings or with `parley keys "
                       "create`; revoked keys stop working at once.",
                       "invalid_request_error", "invalid_api_key");
    co_return std::nullopt;
  }
  if (key->over_cap()) {
    refusal =
        error_of(ErrorKind::rate_limited,
                 fmt::format("This key has reached its spending cap of ${:.6f} (spent ${:.6f}). Raise the "
                             "cap in parley's Settings or use another key.",
                             keys::nanodollars_to_usd(*key->settings.spending_cap_nanodollars),
                             keys::nanodollars_to_usd(key->row.cost_nanodollars)),
                 "insufficient_quota", "insufficient_quota");
    co_return std::nullopt;
  }
  co_return key;
}

OpenAiError model_not_found(const std::string& model) {
  OpenAiError e = error_of(ErrorKind::not_found,
                           "The model `" + model + "` does not exist or you do not have access to it.",
                           "invalid_request_error", "model_not_found");
  e.param = "model";
  return e;
}

// Catalog ids carry no variant suffix (":free", ":online", ...).
std::string_view catalog_id(std::string_view model) {
  const auto colon = model.find(':');
  return colon == std::string_view::npos ? model : model.substr(0, colon);
}

bool turn_needs_catalog_check(const chat::OpenAiChatRequest& request) {
  return request.model.has_value();
}

bj::object model_entry(const bj::object& m) {
  bj::object out;
  out["id"] = m.at("id");
  out["object"] = "model";
  const auto* created = m.if_contains("created");
  out["created"] = created && created->is_number()
                       ? bj::value(static_cast<std::int64_t>(created->to_number<double>()))
                       : bj::value(0);
  const std::string id(m.at("id").as_string());
  out["owned_by"] = id.substr(0, id.find('/'));
  if (const auto* name = m.if_contains("name"); name && name->is_string()) out["name"] = *name;
  if (const auto* context = m.if_contains("context_length"); context && !context->is_null())
    out["context_length"] = *context;
  return out;
}

// The catalog's models this key may use; nullopt (with `error` set) when the catalog is unavailable.
awaitable<std::optional<std::vector<bj::object>>> allowed_models(OpenAiRoutes& ctx, const keys::ApiKey& key,
                                                                 std::optional<OpenAiError>& error) {
  const auto catalog = co_await ctx.catalog.models();
  if (!catalog.payload) {
    error =
        error_of(ErrorKind::upstream_failed,
                 "The model list is unavailable: " + (catalog.error ? catalog.error->message : std::string()),
                 "upstream_error", "upstream_unavailable");
    co_return std::nullopt;
  }
  std::vector<bj::object> out;
  const auto* data =
      catalog.payload->is_object() ? catalog.payload->as_object().if_contains("data") : nullptr;
  if (data && data->is_array()) {
    for (const auto& m : data->as_array()) {
      if (!m.is_object()) continue;
      const auto* id = m.as_object().if_contains("id");
      if (!id || !id->is_string() || !key.settings.allows_model(std::string(id->as_string()))) continue;
      out.push_back(m.as_object());
    }
  }
  co_return out;
}

// Streams the turn, then charges its usage to the key (also when the client left: the upstream charged it).
awaitable<void> stream_completion(OpenAiRoutes* ctx, std::string key_id, chat::OpenAiTurn turn,
                                  std::string request_id, net::SseSink& sink) {
  auto outcome = co_await ctx->completions.run(std::move(turn), request_id, &sink, nullptr);
  if (outcome.usage.reported) {
    co_await ctx->keys.record_usage_async(std::move(key_id),
                                          {outcome.usage.prompt_tokens, outcome.usage.completion_tokens,
                                           keys::usd_to_nanodollars(outcome.usage.cost)});
  }
}

}  // namespace

void reshape_openai_error(net::Response& res) {
  if (res.status < 400 || res.body.empty() || res.body.find("\"detail\"") == std::string::npos) return;
  auto parsed = json::parse(res.body);
  if (!parsed || !parsed->is_object() || !parsed->as_object().contains("detail")) return;
  const auto& detail = parsed->as_object().at("detail");
  OpenAiError e;
  if (detail.is_string()) {
    e.message = std::string(detail.as_string());
  } else if (detail.is_array() && !detail.as_array().empty() && detail.as_array()[0].is_object()) {
    e.message = json::string_member(detail.as_array()[0].as_object(), "msg");
  } else {
    e.message = json::serialize(detail);
  }
  e.type = res.status >= 500 ? "server_error" : "invalid_request_error";
  if (res.status == 422) res.status = 400;  // OpenAI answers a bad parameter with 400
  res.body = json::serialize(e.to_json());
}

awaitable<net::Response> get_openai_models(OpenAiRoutes& ctx, net::Request& req) {
  std::optional<OpenAiError> refusal;
  const auto key = co_await authenticate(ctx, req, refusal);
  if (!key) co_return openai_error(*refusal);
  const auto models = co_await allowed_models(ctx, *key, refusal);
  if (!models) co_return openai_error(*refusal);
  bj::array data;
  for (const auto& m : *models) data.push_back(model_entry(m));
  co_return json_response(200, bj::object{{"object", "list"}, {"data", std::move(data)}});
}

awaitable<net::Response> get_openai_model(OpenAiRoutes& ctx, net::Request& req) {
  std::optional<OpenAiError> refusal;
  const auto key = co_await authenticate(ctx, req, refusal);
  if (!key) co_return openai_error(*refusal);
  const auto models = co_await allowed_models(ctx, *key, refusal);
  if (!models) co_return openai_error(*refusal);
  const auto& wanted = req.path_params.at("model");
  for (const auto& m : *models) {
    if (m.at("id").as_string() == wanted) co_return json_response(200, model_entry(m));
  }
  co_return openai_error(model_not_found(wanted));
}

awaitable<net::Response> post_openai_chat_completion(OpenAiRoutes& ctx, net::Request& req) {
  std::optional<OpenAiError> refusal;
  auto key = co_await authenticate(ctx, req, refusal);
  if (!key) co_return openai_error(*refusal);
  auto body = parse_json_body(req);
  if (!body) {
    const auto& d = body.error().detail;
    const auto reason = d.is_array() && !d.as_array().empty() && d.as_array()[0].is_object()
                            ? json::string_member(d.as_array()[0].as_object(), "msg")
                            : std::string("invalid JSON");
    co_return openai_error(chat::openai_invalid_json(reason));
  }
  auto request = chat::parse_openai_chat_request(*body);
  if (!request) co_return openai_error(request.error());

  const auto model = ctx.completions.resolve_model(*request);
  if (!key->settings.allows_model(model)) co_return openai_error(model_not_found(model));
  // Any catalog model (when the catalog answers; without it the upstream decides). The active settings' model
  // is parley's own choice and needs no check.
  llm::CatalogResult catalog;
  if (turn_needs_catalog_check(*request)) catalog = co_await ctx.catalog.models();
  if (catalog.payload && catalog.payload->is_object()) {
    const auto* data = catalog.payload->as_object().if_contains("data");
    if (data && data->is_array() && !data->as_array().empty()) {
      const auto id = catalog_id(model);
      bool known = false;
      for (const auto& m : data->as_array()) {
        const auto* mid = m.is_object() ? m.as_object().if_contains("id") : nullptr;
        if (mid && mid->is_string() && mid->as_string() == id) {
          known = true;
          break;
        }
      }
      if (!known) co_return openai_error(model_not_found(model));
    }
  }

  chat::OpenAiTurn turn;
  turn.mcp_servers = key->settings.mcp_servers;
  turn.store_history = key->settings.store_history;
  const bool stream = request->stream;
  turn.request = std::move(*request);
  if (stream) {
    net::Response res;
    res.headers.set("Content-Type", "text/event-stream; charset=utf-8");
    res.headers.set("Cache-Control", "no-store");
    auto* routes = &ctx;
    auto shared = std::make_shared<chat::OpenAiTurn>(std::move(turn));
    // The lambda is kept with the response for the length of the stream: it lets go of the turn once handed
    // over (P3).
    res.sse = [routes, key_id = key->row.id, shared,
               request_id = req.request_id](net::SseSink& sink) mutable {
      const auto handed = std::move(shared);
      return stream_completion(routes, std::move(key_id), std::move(*handed), std::move(request_id), sink);
    };
    co_return res;
  }

  CancelSignal* cancel = req.cancellation ? req.cancellation : nullptr;
  CancelSignal never;
  auto outcome =
      co_await ctx.completions.run(std::move(turn), req.request_id, nullptr, cancel ? cancel : &never);
  if (outcome.usage.reported) {
    co_await ctx.keys.record_usage_async(key->row.id,
                                         {outcome.usage.prompt_tokens, outcome.usage.completion_tokens,
                                          keys::usd_to_nanodollars(outcome.usage.cost)});
  }
  if (outcome.error) co_return openai_error(*outcome.error);
  co_return json_response(200, outcome.completion);
}

}  // namespace parley::api
