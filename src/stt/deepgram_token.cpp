#include "stt/deepgram_token.hpp"

#include <boost/json.hpp>

#include "core/json.hpp"
#include "core/text.hpp"

namespace parley::stt {

namespace bj = boost::json;

namespace {

Error failure(ErrorKind kind, std::string_view detail) {
  return Error::make(kind, detail);
}

// A non-empty string member, or a non-string value as JSON text.
std::optional<std::string> member_text(const bj::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v || v->is_null()) return std::nullopt;
  if (v->is_string()) {
    if (v->get_string().empty()) return std::nullopt;
    return std::string(v->get_string());
  }
  return json::serialize(*v);
}

}  // namespace

Result<DeepgramToken> map_grant_response(const Config& config, int status, const std::string& body,
                                         const std::optional<std::string>& dg_error) {
  const auto doc = json::parse(body);
  const bj::object* obj = doc && doc->is_object() ? &doc->get_object() : nullptr;
  if (status == 200) {
    const auto* token = obj ? obj->if_contains("access_token") : nullptr;
    if (!token || !token->is_string() || token->get_string().empty())
      return failure(ErrorKind::upstream_failed, "Deepgram did not return a token");
    DeepgramToken out;
    out.access_token = std::string(token->get_string());
    if (const auto* e = obj->if_contains("expires_in")) {
      if (e->is_int64()) out.expires_in = e->get_int64();
      if (e->is_uint64() && e->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
        out.expires_in = static_cast<long long>(e->get_uint64());
      if (e->is_double() && e->get_double() == static_cast<double>(static_cast<long long>(e->get_double())))
        out.expires_in = static_cast<long long>(e->get_double());
    }
    return out;
  }
  if (config.deepgram_allow_apikey_fallback) {
    DeepgramToken out;
    out.access_token = config.deepgram_api_key;
    out.handed_out_key = true;
    return out;
  }
  if (status == 401) {
    const auto code = obj ? member_text(*obj, "err_code") : std::nullopt;
    std::string message;
    for (const char* key : {"err_msg", "message", "error", "detail"}) {
      if (auto m = obj ? member_text(*obj, key) : std::nullopt) message += " " + *m;
    }
    if ((code && *code == "FORBIDDEN") || text::lower(message).find("permission") != std::string::npos)
      return failure(ErrorKind::upstream_failed,
                     "Deepgram API key lacks sufficient permissions (needs at least 'Member' role)");
    return failure(ErrorKind::upstream_failed, "Deepgram API key is invalid or unauthorized");
  }
  if (status == 402) return failure(ErrorKind::upstream_failed, "Deepgram project has insufficient funds");
  if (status == 403)
    return failure(ErrorKind::upstream_failed,
                   "Deepgram API key lacks sufficient permissions for token generation");
  if (obj) {
    for (const char* key : {"err_msg", "error", "detail"}) {
      if (auto m = member_text(*obj, key)) return failure(ErrorKind::upstream_failed, *m);
    }
  }
  if (dg_error && !dg_error->empty()) return failure(ErrorKind::upstream_failed, *dg_error);
  return failure(ErrorKind::upstream_failed,
                 "Deepgram token request failed (" + std::to_string(status) + ")");
}

boost::asio::awaitable<Result<DeepgramToken>> mint_deepgram_token(const Config& config,
                                                                  net::HttpClient& client) {
  if (config.deepgram_api_key.empty())
    co_return failure(ErrorKind::not_configured, "Deepgram is not configured on server");
  net::ClientRequest req;
  req.method = "POST";
  req.url = config.deepgram_base_url + "/v1/auth/grant";
  req.headers.add("Authorization", "Token " + config.deepgram_api_key);
  req.headers.add("Accept", "application/json");
  req.headers.add("Content-Type", "application/json");
  req.body = json::serialize(bj::object{{"ttl_seconds", config.deepgram_token_ttl}});
  const auto timeout =
      std::chrono::milliseconds(static_cast<long long>(config.deepgram_timeout_seconds * 1000.0));
  req.connect_timeout = timeout;
  req.read_timeout = timeout;
  req.max_body_bytes = 1024 * 1024;
  auto response = co_await client.fetch(std::move(req));
  if (!response) {
    using Kind = net::TransportError::Kind;
    switch (response.error().kind) {
      case Kind::timeout:
        co_return failure(ErrorKind::upstream_timeout, "Deepgram request timed out");
      case Kind::unreachable:
      case Kind::disconnected:
        co_return failure(ErrorKind::upstream_failed,
                          "Network error contacting Deepgram: " + response.error().message);
      default:
        co_return failure(ErrorKind::upstream_failed,
                          "Failed to contact Deepgram: " + response.error().message);
    }
  }
  std::optional<std::string> dg_error;
  if (auto h = response->headers.get("dg-error")) dg_error = std::string(*h);
  co_return map_grant_response(config, response->status, response->body, dg_error);
}

}  // namespace parley::stt
