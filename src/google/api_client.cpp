#include "google/api_client.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <charconv>
#include <ctime>

#include "core/json.hpp"
#include "core/log.hpp"
#include "net/http_client.hpp"

namespace parley::google {

namespace {

bool retryable_status(int status) {
  return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

boost::asio::awaitable<void> wait_for(std::chrono::milliseconds d) {
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, d);
  co_await timer.async_wait(boost::asio::use_awaitable);
}

}  // namespace

std::string google_error_message(int status, const std::string& body) {
  if (auto parsed = json::parse(body); parsed && parsed->is_object()) {
    const auto& o = parsed->get_object();
    if (const auto* e = o.if_contains("error")) {
      if (e->is_object()) {
        auto message = json::string_member(e->get_object(), "message");
        if (!message.empty()) return message;
      } else if (e->is_string()) {
        auto description = json::string_member(o, "error_description");
        return std::string(e->get_string()) + (description.empty() ? "" : " (" + description + ")");
      }
    }
  }
  return "HTTP " + std::to_string(status);
}

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value, SystemTime now) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  // Delta-seconds: digits only. A value past a day is a day (the caller cuts it further); multiplied as it
  // was, a huge one overflowed into a negative wait and the retry came at once.
  constexpr std::int64_t kLongestSeconds = 24 * 3600;
  if (value.find_first_not_of("0123456789") == std::string_view::npos) {
    std::int64_t seconds = 0;
    const auto* end = value.data() + value.size();
    const auto [p, ec] = std::from_chars(value.data(), end, seconds);
    if (ec == std::errc::result_out_of_range || (ec == std::errc() && seconds > kLongestSeconds))
      seconds = kLongestSeconds;
    return std::chrono::milliseconds(seconds * 1000);
  }
  // IMF-fixdate: "Wed, 21 Oct 2015 07:28:00 GMT".
  std::tm tm{};
  const std::string text(value);
  const char* parsed = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (parsed == nullptr || *parsed != '\0') return std::nullopt;
  // In seconds: a date past 2262 does not fit the clock's nanoseconds (it overflowed into "retry now").
  const auto ahead = static_cast<std::int64_t>(timegm(&tm)) -
                     std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  if (ahead > kLongestSeconds) return std::chrono::milliseconds(kLongestSeconds * 1000);
  const auto at = std::chrono::system_clock::from_time_t(timegm(&tm));
  if (at <= now) return std::chrono::milliseconds(0);
  return std::chrono::duration_cast<std::chrono::milliseconds>(at - now);
}

boost::asio::awaitable<ApiResult<ApiResponse>> GoogleApi::call(std::string user_email, ApiRequest request) {
  using Kind = ApiFailure::Kind;
  auto token = co_await auth_.access_token(user_email, false);
  if (!token) {
    co_return ApiFailure{
        token.error().kind == AuthFailure::Kind::not_authorized ? Kind::not_authorized : Kind::unavailable, 0,
        token.error().message};
  }
  std::string url = settings_.base_url + request.path;
  if (!request.query.empty())
    url += (url.find('?') == std::string::npos ? "?" : "&") + form_encode(request.query);
  bool refreshed = false;
  std::string last_problem;
  int last_status = 0;
  for (int attempt = 1;; ++attempt) {
    net::ClientRequest r;
    r.method = request.method;
    r.url = url;
    r.headers.set("Authorization", "Bearer " + *token);
    r.headers.set("Accept", "application/json");
    if (!request.content_type.empty()) r.headers.set("Content-Type", request.content_type);
    r.body = request.body;
    r.connect_timeout = settings_.timeout;
    r.read_timeout = settings_.timeout;
    r.max_body_bytes = request.max_bytes;
    auto answer = co_await http_.fetch(std::move(r));
    std::optional<std::chrono::milliseconds> wait;
    if (!answer) {
      if (answer.error().kind == net::TransportError::Kind::too_large) {
        co_return ApiFailure{
            Kind::unavailable, 0,
            "Google's answer is larger than " + std::to_string(request.max_bytes) + " bytes"};
      }
      last_problem = answer.error().kind == net::TransportError::Kind::timeout
                         ? "no answer within " + std::to_string(settings_.timeout.count()) + " ms"
                         : answer.error().message;
      last_status = 0;
    } else {
      auto& response = *answer;
      if (response.status >= 200 && response.status < 300) {
        co_return ApiResponse{response.status, std::move(response.headers), std::move(response.body)};
      }
      if (response.status == 401 && !refreshed) {
        // The access token expired early or was revoked: one refresh, then the same request again.
        refreshed = true;
        token = co_await auth_.access_token(user_email, true);
        if (!token) {
          co_return ApiFailure{token.error().kind == AuthFailure::Kind::not_authorized ? Kind::not_authorized
                                                                                       : Kind::unavailable,
                               401, token.error().message};
        }
        --attempt;
        continue;
      }
      last_status = response.status;
      last_problem = google_error_message(response.status, response.body);
      if (!retryable_status(response.status)) {
        co_return ApiFailure{response.status == 401 ? Kind::not_authorized : Kind::http, response.status,
                             "Google answered HTTP " + std::to_string(response.status) + ": " + last_problem};
      }
      if (auto after = response.headers.get("Retry-After"))
        wait = parse_retry_after(*after, std::chrono::system_clock::now());
    }
    if (attempt >= settings_.max_attempts) break;
    if (!wait) wait = settings_.first_backoff * (1 << (attempt - 1));
    if (*wait > settings_.max_retry_wait) wait = settings_.max_retry_wait;
    log::info("Google API {} {} attempt {} failed ({}); retrying in {} ms", request.method, request.path,
              attempt, last_status != 0 ? "HTTP " + std::to_string(last_status) : last_problem,
              wait->count());
    co_await wait_for(*wait);
  }
  if (last_status != 0) {
    co_return ApiFailure{Kind::http, last_status,
                         "Google answered HTTP " + std::to_string(last_status) + " after " +
                             std::to_string(settings_.max_attempts) + " attempts: " + last_problem};
  }
  co_return ApiFailure{
      Kind::unavailable, 0,
      "Google did not answer after " + std::to_string(settings_.max_attempts) + " attempts: " + last_problem};
}

}  // namespace parley::google
