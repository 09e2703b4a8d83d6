// The one client of Google's REST APIs (Calendar v3, Tasks v1, Gmail v1, Drive v3), all under
// GOOGLE_API_BASE_URL: the user's bearer token (refreshed before it expires, and once when Google answers
// 401), retries with exponential backoff on 429 and 5xx that honour Retry-After, and a deadline per attempt.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>
#include <chrono>
#include <string>

#include "google/encoding.hpp"
#include "google/google_auth.hpp"
#include "net/http_types.hpp"

namespace parley::net {
class HttpClient;
}  // namespace parley::net

namespace parley::google {

struct ApiRequest {
  ApiRequest() = default;
  ApiRequest(std::string method_, std::string path_, QueryParams query_ = {}, std::string body_ = {},
             std::string content_type_ = {})
      : method(std::move(method_)),
        path(std::move(path_)),
        query(std::move(query_)),
        body(std::move(body_)),
        content_type(std::move(content_type_)) {}
  std::string method = "GET";
  std::string path;  // below the base URL, e.g. "/calendar/v3/users/me/calendarList"
  QueryParams query;
  std::string body;
  std::string content_type;  // of `body`
  std::size_t max_bytes = 32u * 1024u * 1024u;
};

struct ApiResponse {
  int status = 0;
  net::Headers headers;
  std::string body;
};

struct ApiFailure {
  enum class Kind {
    not_authorized,  // the user must (re)authorize
    http,            // Google answered with an error status (`status`)
    unavailable,     // no answer in time, or no connection, after the retries
  } kind = Kind::unavailable;
  int status = 0;
  std::string message;  // readable, with Google's own error message when it sent one
};

template <class T>
using ApiResult = boost::system::result<T, ApiFailure>;

struct ApiSettings {
  std::string base_url = "https://www.googleapis.com";
  std::chrono::milliseconds timeout{30000};         // one attempt
  int max_attempts = 4;                             // 429/5xx/transport failures
  std::chrono::milliseconds first_backoff{500};     // doubled per attempt
  std::chrono::milliseconds max_retry_wait{20000};  // a longer Retry-After is cut to this
};

class GoogleApi {
 public:
  GoogleApi(GoogleAuth& auth, net::HttpClient& http, ApiSettings settings)
      : auth_(auth), http_(http), settings_(std::move(settings)) {}

  // The 2xx answer, or why there is none.
  boost::asio::awaitable<ApiResult<ApiResponse>> call(std::string user_email, ApiRequest request);

  [[nodiscard]] GoogleAuth& auth() { return auth_; }
  [[nodiscard]] const ApiSettings& settings() const { return settings_; }

 private:
  GoogleAuth& auth_;
  net::HttpClient& http_;
  ApiSettings settings_;
};

// Google's error message from an error body ({"error":{"code","message","status"}} or the OAuth form).
std::string google_error_message(int status, const std::string& body);
// Retry-After as a wait: delta-seconds or an HTTP-date; nullopt when absent or unreadable.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value, SystemTime now);

}  // namespace parley::google
