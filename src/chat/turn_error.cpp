#include "chat/turn_error.hpp"

#include <boost/json/serialize.hpp>

#include "core/json.hpp"
#include "llm/model_enrichment.hpp"

namespace parley::chat {

namespace bj = boost::json;

namespace {

bool retryable_status(long long s) {
  return s == 408 || s == 425 || s == 429 || s == 500 || s == 502 || s == 503 || s == 504;
}

}  // namespace

bj::object TurnError::payload() const {
  return bj::object{{"message", message},
                    {"status", status ? bj::value(*status) : bj::value(nullptr)},
                    {"code", code},
                    {"retryable", retryable}};
}

TurnError TurnError::upstream_http(int status, const std::string& body) {
  TurnError e;
  e.status = status;
  e.retryable = retryable_status(status);
  auto parsed = json::parse(body);
  if (parsed && parsed->is_object()) {
    const auto& obj = parsed->as_object();
    const auto* err = obj.if_contains("error");
    if (err && llm::truthy(*err)) {
      e.detail = err->is_string() ? std::string(err->as_string()) : parley::json::serialize(*err);
      if (err->is_object()) {
        if (const auto* m = err->as_object().if_contains("message"); m && m->is_string())
          e.message = m->as_string();
        if (const auto* c = err->as_object().if_contains("code"); c && !c->is_null()) e.code = *c;
      }
    } else {
      e.detail = parley::json::serialize(*parsed);
    }
  } else if (parsed) {
    e.detail = parley::json::serialize(*parsed);
  } else {
    e.detail = body;
  }
  if (e.detail.empty()) e.detail = "OpenRouter returned an empty error response.";
  if (e.message.empty()) e.message = e.detail;
  return e;
}

TurnError TurnError::in_band(const bj::object& error) {
  TurnError e;
  if (const auto* m = error.if_contains("message"); m && m->is_string()) e.message = m->as_string();
  if (e.message.empty()) e.message = parley::json::serialize(error);
  e.detail = e.message;
  if (const auto* c = error.if_contains("code"); c && !c->is_null()) {
    e.code = *c;
    if (c->is_int64()) e.retryable = retryable_status(c->as_int64());
    if (c->is_string()) {
      try {
        e.retryable = retryable_status(std::stoll(std::string(c->as_string())));
      } catch (const std::exception&) {
      }
    }
  }
  if (const auto* md = error.if_contains("metadata"); md && md->is_object()) {
    if (const auto* t = md->as_object().if_contains("error_type"); t && t->is_string()) {
      const std::string type(t->as_string());
      if (type == "rate_limit_exceeded" || type == "provider_overloaded" || type == "provider_unavailable" ||
          type == "timeout" || type == "server") {
        e.retryable = true;
      }
    }
  }
  return e;
}

TurnError TurnError::unreachable(const std::string& reason) {
  TurnError e;
  e.status = 502;
  e.code = "upstream_unreachable";
  e.retryable = true;
  e.message = e.detail = "Upstream connection failed: " + reason;
  return e;
}

TurnError TurnError::timeout(int seconds) {
  TurnError e;
  e.status = 504;
  e.code = "upstream_timeout";
  e.retryable = true;
  e.message = e.detail = "Upstream did not respond within " + std::to_string(seconds) + " seconds";
  return e;
}

TurnError TurnError::disconnected() {
  TurnError e;
  e.status = 502;
  e.code = "upstream_disconnected";
  e.retryable = true;
  e.message = e.detail = "Upstream closed the stream before it finished";
  return e;
}

TurnError TurnError::upstream_event_too_large(const std::string& limit) {
  TurnError e;
  e.status = 502;
  e.code = "upstream_event_too_large";
  // The same request would most likely produce the same event again.
  e.retryable = false;
  e.message = e.detail = "Upstream sent an event " + limit + "; parley stopped reading the stream";
  return e;
}

TurnError TurnError::not_configured() {
  TurnError e;
  e.status = 503;
  e.code = "not_configured";
  e.message = e.detail =
      "OPENROUTER_API_KEY is not set. Set it in the environment or in .env and restart parley.";
  return e;
}

TurnError TurnError::empty_request() {
  TurnError e;
  e.code = "invalid_request";
  e.message = e.detail = "At least one message is required to start a turn";
  return e;
}

TurnError TurnError::internal(const std::string& request_id) {
  TurnError e;
  e.code = "internal_error";
  e.message = e.detail = "Internal error (request " + request_id + ")";
  return e;
}

TurnError TurnError::cancelled() {
  TurnError e;
  e.code = "cancelled";
  e.message = e.detail = "Cancelled by client";
  return e;
}

}  // namespace parley::chat
