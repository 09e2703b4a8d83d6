#include "llm/openrouter_client.hpp"

#include <algorithm>

#include "core/json.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "llm/model_enrichment.hpp"

namespace parley::llm {

namespace bj = boost::json;
using boost::asio::awaitable;

namespace {

// parley_upstream_requests_total and parley_upstream_errors_total for one completion request. A request the
// caller cancelled before any answer is neither.
void record_completion(const net::TransportError* error, int status) {
  using Kind = net::TransportError::Kind;
  auto& m = metrics::global();
  if (error && error->kind == Kind::cancelled && status == 0) return;
  m.upstream_request(status);
  if (status >= 400) m.upstream_error("http_status", status);
  if (!error || error->kind == Kind::cancelled) return;
  switch (error->kind) {
    case Kind::timeout:
      m.upstream_error("timeout", status);
      break;
    case Kind::disconnected:
      m.upstream_error("disconnected", status);
      break;
    default:
      m.upstream_error("unreachable", status);
      break;
  }
}

ProviderError failure(ProviderError::Kind kind, std::string message) {
  ProviderError e;
  e.kind = kind;
  e.message = std::move(message);
  return e;
}

// An answer with a status the call does not succeed with; its body makes the error detail.
ProviderError refused(net::ClientResponse& response) {
  auto e = failure(ProviderError::Kind::http_status, "HTTP " + std::to_string(response.status));
  e.status = response.status;
  e.body = std::move(response.body);
  return e;
}

// The listings of §2.12 are decoration of a settings page: they must not hold it for the full chat timeout.
constexpr std::chrono::seconds kListingTimeoutCap{15};

std::string endpoints_path(const std::string& model_id) {
  const auto slash = model_id.find('/');
  return "/models/" + net::percent_encode_segment(model_id.substr(0, slash)) + "/" +
         net::percent_encode_segment(model_id.substr(slash + 1)) + "/endpoints";
}

// The array at `data` (or at `data.endpoints`) of a 200 answer.
Result<bj::array, ProviderError> listed_array(net::ClientResponse& response, bool endpoints) {
  if (response.status != 200) return refused(response);
  const auto doc = json::parse(response.body);
  if (!doc || !doc->is_object()) return failure(ProviderError::Kind::malformed, "not a JSON object");
  const auto* data = doc->get_object().if_contains("data");
  if (endpoints && data && data->is_object()) data = data->get_object().if_contains("endpoints");
  if (!data || !data->is_array()) return failure(ProviderError::Kind::malformed, "no data list");
  return data->get_array();
}

}  // namespace

bj::value upstream_error_detail(const std::string& body) {
  if (auto parsed = json::parse(body)) {
    if (parsed->is_object()) {
      if (const auto* e = parsed->as_object().if_contains("error"); e && truthy(*e)) return *e;
    }
    return *parsed;
  }
  if (!body.empty()) return bj::string(body);
  return bj::string("OpenRouter returned an empty error response.");
}

OpenRouterClient::OpenRouterClient(const Config& config, net::HttpClient& http)
    : config_(config), http_(http) {}

bool OpenRouterClient::configured() const {
  return !config_.openrouter_api_key.empty();
}

void OpenRouterClient::prewarm() {
  if (configured()) http_.prewarm(config_.openrouter_base_url);
}

ProviderError OpenRouterClient::transport_error(const net::TransportError& error,
                                                std::chrono::seconds timeout) const {
  using Kind = net::TransportError::Kind;
  ProviderError out;
  out.message = error.message;
  switch (error.kind) {
    case Kind::cancelled:
      out.kind = ProviderError::Kind::cancelled;
      break;
    case Kind::timeout:
      out.kind = ProviderError::Kind::timeout;
      out.timeout_seconds = static_cast<int>(timeout.count());
      break;
    case Kind::disconnected:
      out.kind = ProviderError::Kind::disconnected;
      break;
    case Kind::unreachable:
    case Kind::bad_url:
    case Kind::too_large:
      out.kind = ProviderError::Kind::unreachable;
      break;
  }
  return out;
}

namespace {

// The request of a completion (outside the coroutine, so that building it adds nothing to its frame).
net::ClientRequest completion_request(const Config& config, std::string body) {
  net::ClientRequest req;
  req.method = "POST";
  req.url = config.openrouter_base_url + "/chat/completions";
  req.headers.add("Authorization", "Bearer " + config.openrouter_api_key);
  req.headers.add("Content-Type", "application/json");
  req.headers.add("Accept", "text/event-stream");
  // OpenRouter's app attribution (its rankings and the referrer checks of some providers).
  if (!config.openrouter_app_url.empty()) {
    req.headers.add("HTTP-Referer", config.openrouter_app_url);
    req.headers.add("Referer", config.openrouter_app_url);
  }
  if (!config.openrouter_app_title.empty()) req.headers.add("X-Title", config.openrouter_app_title);
  req.body = std::move(body);
  req.connect_timeout = std::chrono::seconds(10);
  req.read_timeout = std::chrono::seconds(config.openrouter_timeout_seconds);
  return req;
}

// Without a key nothing is sent: the call ends at once (completion_outcome says not_configured).
awaitable<ProviderClient::CompletionEnd> not_sent() {
  co_return ProviderClient::CompletionEnd(
      boost::system::in_place_error,
      net::TransportError{net::TransportError::Kind::unreachable, "no API key"});
}

}  // namespace

// Not a coroutine: the request is built here and the HTTP client's stream is the call itself, so no frame of
// this client stays suspended for the length of the stream (P3).
awaitable<ProviderClient::CompletionEnd> OpenRouterClient::stream_completion(std::string body,
                                                                             net::HttpClient::HeadFn on_head,
                                                                             net::HttpClient::DataFn on_data,
                                                                             CancelSignal* cancel) {
  if (!configured()) return not_sent();
  return http_.stream(completion_request(config_, std::move(body)), std::move(on_head), std::move(on_data),
                      cancel);
}

Result<void, ProviderError> OpenRouterClient::completion_outcome(const CompletionEnd& end, int status) {
  if (!configured()) return failure(ProviderError::Kind::not_configured, "no API key");
  // The status is noted once per request for the metrics.
  if (end) {
    record_completion(nullptr, status);
    return Result<void, ProviderError>();
  }
  const auto error = end.error();
  record_completion(&error, status);
  return transport_error(error, std::chrono::seconds(config_.openrouter_timeout_seconds));
}

awaitable<Result<net::ClientResponse, ProviderError>> OpenRouterClient::get(std::string path,
                                                                            std::chrono::seconds timeout) {
  net::ClientRequest req;
  req.url = config_.openrouter_base_url + path;
  if (configured()) req.headers.add("Authorization", "Bearer " + config_.openrouter_api_key);
  req.headers.add("Accept", "application/json");
  req.read_timeout = timeout;
  auto response = co_await http_.fetch(std::move(req));
  if (!response) co_return transport_error(response.error(), timeout);
  co_return std::move(*response);
}

awaitable<Result<bj::value, ProviderError>> OpenRouterClient::models() {
  auto response = co_await get("/models", std::chrono::seconds(config_.openrouter_timeout_seconds));
  if (!response) {
    log::warn("Model list request to {} failed: {}", config_.openrouter_base_url, response.error().message);
    co_return response.error();
  }
  if (response->status >= 400) {
    co_return refused(*response);
  }
  auto parsed = json::parse(response->body);
  if (!parsed || !parsed->is_object()) {
    co_return failure(ProviderError::Kind::malformed, "The upstream model list is not a JSON object");
  }
  co_return std::move(*parsed);
}

awaitable<Result<bj::array, ProviderError>> OpenRouterClient::providers() {
  const auto timeout = std::min(std::chrono::seconds(config_.openrouter_timeout_seconds), kListingTimeoutCap);
  auto response = co_await get("/providers", timeout);
  if (!response) co_return response.error();
  co_return listed_array(*response, false);
}

awaitable<Result<bj::array, ProviderError>> OpenRouterClient::model_endpoints(std::string model_id) {
  const auto timeout = std::min(std::chrono::seconds(config_.openrouter_timeout_seconds), kListingTimeoutCap);
  auto response = co_await get(endpoints_path(model_id), timeout);
  if (!response) co_return response.error();
  co_return listed_array(*response, true);
}

awaitable<Result<std::string, ProviderError>> OpenRouterClient::generation(std::string generation_id) {
  if (!configured()) co_return failure(ProviderError::Kind::not_configured, "no API key");
  auto response = co_await get("/generation?id=" + net::percent_encode_segment(generation_id),
                               std::chrono::seconds(config_.openrouter_timeout_seconds));
  if (!response) co_return response.error();
  if (response->status >= 400) {
    co_return refused(*response);
  }
  co_return std::move(response->body);
}

}  // namespace parley::llm
