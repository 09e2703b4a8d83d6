#include "mcp/http_transport.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/json.hpp"
#include "core/log.hpp"
#include "mcp/json_rpc.hpp"

namespace parley::mcp {

namespace asio = boost::asio;
namespace bj = boost::json;

std::string resolve_endpoint_url(const std::string& base, const std::string& endpoint) {
  if (endpoint.rfind("http://", 0) == 0 || endpoint.rfind("https://", 0) == 0) return endpoint;
  const auto scheme_end = base.find("://");
  const auto authority_end = base.find('/', scheme_end == std::string::npos ? 0 : scheme_end + 3);
  const std::string origin = authority_end == std::string::npos ? base : base.substr(0, authority_end);
  if (!endpoint.empty() && endpoint.front() == '/') return origin + endpoint;
  std::string dir = authority_end == std::string::npos ? origin + "/" : base.substr(0, base.rfind('/') + 1);
  return dir + endpoint;
}

HttpTransport::HttpTransport(asio::any_io_executor strand, net::HttpClient& http, std::string server_id,
                             std::string url, std::map<std::string, std::string> headers,
                             std::shared_ptr<HttpAuthorizer> authorizer)
    : strand_(std::move(strand)),
      http_(http),
      server_id_(std::move(server_id)),
      url_(std::move(url)),
      headers_(std::move(headers)),
      authorizer_(std::move(authorizer)),
      endpoint_ready_(strand_) {
  endpoint_ready_.expires_at(asio::steady_timer::time_point::max());
}

net::ClientRequest HttpTransport::base_request(std::string method, const std::string& url) const {
  net::ClientRequest r;
  r.method = std::move(method);
  r.url = url;
  for (const auto& [k, v] : headers_) r.headers.set(k, v);
  if (!session_id_.empty()) r.headers.set("Mcp-Session-Id", session_id_);
  if (!protocol_version_.empty()) r.headers.set("MCP-Protocol-Version", protocol_version_);
  r.connect_timeout = std::chrono::milliseconds(10000);
  return r;
}

asio::awaitable<void> HttpTransport::authorize(net::ClientRequest& request) {
  if (!authorizer_) co_return;
  // A header the person configured wins (a static token must keep working as before).
  if (request.headers.has("Authorization")) co_return;
  if (auto value = co_await authorizer_->authorization()) request.headers.set("Authorization", *value);
}

asio::awaitable<Result<void, Failure>> HttpTransport::recover(const Exchange& refused, int attempt) {
  co_return co_await authorizer_->recover(refused.status, refused.challenges, attempt);
}

asio::awaitable<Result<void, Failure>> HttpTransport::open(TransportEvents events) {
  events_ = std::move(events);
  co_return success();  // the first POST (initialize) decides between Streamable HTTP and the legacy
                        // transport
}

void HttpTransport::report_closed(const std::string& reason) {
  if (closed_reported_ || closed_) return;
  closed_reported_ = true;
  if (events_.on_closed) events_.on_closed(reason);
}

void HttpTransport::deliver_text(const std::string& text, Exchange* exchange) {
  std::string why;
  auto value = json::parse(text, &why);
  if (!value) {
    log::warn("MCP server {} sent a message that is not JSON (ignored): {}", server_id_, why);
    return;
  }
  if (exchange != nullptr) {
    for (const auto& in : rpc::classify(*value)) {
      if (in.kind == rpc::Incoming::Kind::response) exchange->delivered_response = true;
    }
  }
  if (events_.on_message)
    events_.on_message(std::move(*value), exchange != nullptr ? exchange->request_id : std::nullopt);
}

namespace {

bool is_blank(std::string_view text) {
  return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// The wait before a stream is resumed: the server's `retry:` (SEP-1699), else one second.
std::chrono::milliseconds reconnect_delay(const net::SseParser& parser) {
  return std::chrono::milliseconds(std::clamp(parser.retry_ms().value_or(1000L), 0L, 60000L));
}

// The integer id of a request parley sends (its own ids are integers); none for notifications and answers.
std::optional<std::int64_t> request_id_of(const std::string& message) {
  auto parsed = json::parse(message);
  if (!parsed || !parsed->is_object() || !parsed->get_object().contains("method")) return std::nullopt;
  const auto* id = parsed->get_object().if_contains("id");
  if (id == nullptr || !id->is_int64()) return std::nullopt;
  return id->get_int64();
}

asio::awaitable<void> pause(asio::any_io_executor executor, std::chrono::milliseconds delay) {
  if (delay.count() <= 0) co_return;
  asio::steady_timer timer(executor, delay);
  (void)co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

bool take_piece(const std::shared_ptr<HttpTransport>& self, HttpTransport::Exchange* exchange,
                std::string_view data) {
  constexpr std::size_t kMaxBody = 64 * 1024 * 1024;
  if (!exchange->event_stream) {
    exchange->body += data;
    if (exchange->body.size() <= kMaxBody) return true;
    exchange->failure = "the server sent a response body larger than 64 MiB; parley stopped reading it";
    return false;
  }
  std::vector<net::SseEvent> events;
  const bool fits = exchange->parser.feed(data, events);
  for (auto& event : events) {
    // An event without data only primes the stream (its id and retry matter for resumption, SEP-1699).
    if (event.event == "message" && !is_blank(event.data)) self->deliver_text(event.data, exchange);
    if (event.event == "endpoint") self->legacy_endpoint_found(event.data);
  }
  if (fits) return true;
  exchange->failure = "the server sent an event " +
                      net::describe_event_limit(exchange->parser.max_event_bytes()) +
                      "; parley stopped reading the stream";
  return false;
}

// A synthetic error answer, so a request whose POST failed does not wait for its timeout.
std::optional<std::string> failure_answer_for(const std::string& message, const std::string& why) {
  auto parsed = json::parse(message);
  if (!parsed || !parsed->is_object()) return std::nullopt;
  const auto* id = parsed->get_object().if_contains("id");
  if (id == nullptr || id->is_null() || !parsed->get_object().contains("method")) return std::nullopt;
  return rpc::error_response(*id, -32000, why);
}

}  // namespace

namespace {

void keep_challenges(HttpTransport::Exchange& exchange, const net::Headers& headers) {
  if (exchange.status != 401 && exchange.status != 403) return;
  for (const auto& [name, value] : headers.all()) {
    if (net::iequals(name, "WWW-Authenticate") && exchange.challenges.size() < 16) {
      exchange.challenges.push_back(value);
    }
  }
}

}  // namespace

asio::awaitable<Result<void, Failure>> HttpTransport::post_streamable(std::string message, bool first) {
  auto self = shared_from_this();
  std::shared_ptr<Exchange> exchange;
  std::string new_session;
  for (int attempt = 1;; ++attempt) {
    auto request = base_request("POST", url_);
    request.headers.set("Content-Type", "application/json");
    request.headers.set("Accept", "application/json, text/event-stream");
    request.body = message;
    request.read_timeout = std::chrono::milliseconds(first ? 30000 : 3600000);
    co_await authorize(request);
    exchange = std::make_shared<Exchange>();
    exchange->request_id = request_id_of(message);
    net::HttpClient::HeadFn on_head = [exchange, &new_session](int status, const net::Headers& headers) {
      exchange->status = status;
      const auto type = headers.get("Content-Type").value_or("");
      exchange->event_stream = type.find("text/event-stream") != std::string_view::npos;
      if (auto sid = headers.get("Mcp-Session-Id")) new_session = std::string(*sid);
      keep_challenges(*exchange, headers);
    };
    net::HttpClient::DataFn on_data = [self, exchange](std::string_view data) {
      return net::DataStep::now(take_piece(self, exchange.get(), data));
    };
    auto result = co_await http_.stream(std::move(request), on_head, on_data, &closing_);
    if (!exchange->failure.empty()) co_return fail("POST " + url_ + ": " + exchange->failure);
    if (!result) co_return fail("POST " + url_ + " failed: " + result.error().message);
    if ((exchange->status == 401 || exchange->status == 403) && authorizer_ && !closed_) {
      auto recovered = co_await recover(*exchange, attempt);
      if (!recovered) co_return recovered.error();
      continue;
    }
    break;
  }
  const int status = exchange->status;
  if (status == 202 || (status >= 200 && status < 300 && exchange->body.empty() && !exchange->event_stream)) {
    co_return success();
  }
  if (status >= 200 && status < 300) {
    if (first && !new_session.empty()) session_id_ = new_session;
    if (!exchange->event_stream) deliver_text(exchange->body, exchange.get());
    // A request of parley's (they all have integer ids) whose stream ended before its answer.
    if (exchange->event_stream && !exchange->delivered_response && !closed_ && exchange->request_id) {
      if (!exchange->parser.last_event_id()) {
        co_return fail("the server closed the response stream before answering");
      }
      // The stream ended before the answer: resume it on a GET with Last-Event-ID, after the wait the
      // server asked for with `retry:`.
      asio::co_spawn(strand_,
                     listen_get_stream(self, exchange->request_id, exchange->parser.last_event_id(),
                                       reconnect_delay(exchange->parser)),
                     asio::detached);
    }
    co_return success();
  }
  if (status == 404 && !session_id_.empty()) {
    report_closed("the server ended the MCP session (HTTP 404); starting a new one");
    co_return fail("session expired (HTTP 404)", Failure::Kind::session_expired);
  }
  co_return fail("POST " + url_ + " answered HTTP " + std::to_string(status));
}

asio::awaitable<void> HttpTransport::post_detached(std::shared_ptr<HttpTransport> self, std::string message) {
  Result<void, Failure> sent = fail("not sent");
  if (self->legacy_) {
    auto request = self->base_request("POST", self->legacy_endpoint_);
    co_await self->authorize(request);
    request.headers.set("Content-Type", "application/json");
    request.body = message;
    request.read_timeout = std::chrono::milliseconds(30000);
    auto result = co_await self->http_.fetch(std::move(request), &self->closing_);
    if (!result) {
      sent = fail("POST failed: " + result.error().message);
    } else if (result->status >= 300) {
      sent = fail("POST answered HTTP " + std::to_string(result->status));
    } else {
      sent = success();
    }
  } else {
    sent = co_await self->post_streamable(message, false);
  }
  if (!sent && !self->closed_) {
    log::warn("MCP server {}: {}", self->server_id_, sent.error().message);
    if (const auto id = request_id_of(message); id && self->events_.on_request_failed) {
      self->events_.on_request_failed(*id, sent.error());
    } else if (auto answer = failure_answer_for(message, sent.error().message)) {
      self->deliver_text(*answer, nullptr);
    }
  }
}

asio::awaitable<Result<void, Failure>> HttpTransport::send(std::string message) {
  if (closed_) co_return fail("the connection is closed");
  if (!initialized_ && !legacy_) {
    // The first message is initialize: send it inline to learn which transport the server speaks.
    auto first = co_await post_streamable(message, true);
    if (first) {
      initialized_ = true;
      co_return first;
    }
    const std::string why = first.error().message;
    const bool refused = why.find("HTTP 400") != std::string::npos ||
                         why.find("HTTP 404") != std::string::npos ||
                         why.find("HTTP 405") != std::string::npos;
    if (!refused) co_return first;
    log::info("MCP server {}: Streamable HTTP refused ({}); trying the legacy HTTP+SSE transport", server_id_,
              why);
    auto legacy = co_await open_legacy();
    if (!legacy) {
      co_return fail("Streamable HTTP refused (" + why +
                     ") and the legacy SSE transport failed: " + legacy.error().message);
    }
    initialized_ = true;
  }
  if (initialized_ && !legacy_ && !get_stream_started_ && !protocol_version_.empty()) {
    // Once initialized, open the stream on which the server sends requests and notifications of its own.
    get_stream_started_ = true;
    asio::co_spawn(
        strand_,
        listen_get_stream(shared_from_this(), std::nullopt, std::nullopt, std::chrono::milliseconds(0)),
        asio::detached);
  }
  // Answers come back through on_message; the request's own timeout covers a POST that hangs.
  asio::co_spawn(strand_, post_detached(shared_from_this(), std::move(message)), asio::detached);
  co_return success();
}

asio::awaitable<void> HttpTransport::listen_get_stream(std::shared_ptr<HttpTransport> self,
                                                       std::optional<std::int64_t> resumed_request,
                                                       std::optional<std::string> last_event_id,
                                                       std::chrono::milliseconds delay) {
  // Without an event id this is the optional stream for the server's own messages; with one it resumes a
  // response stream that ended before its answer, and ends once the answer came.
  const bool resuming = last_event_id.has_value();
  int refusals = 0;
  for (int attempt = 0; !self->closed_ && attempt < 1000; ++attempt) {
    co_await pause(self->strand_, delay);
    if (self->closed_) co_return;
    auto request = self->base_request("GET", self->url_);
    request.headers.set("Accept", "text/event-stream");
    if (last_event_id) request.headers.set("Last-Event-ID", *last_event_id);
    request.read_timeout = std::chrono::hours(24);
    co_await self->authorize(request);
    auto exchange = std::make_shared<Exchange>();
    exchange->request_id = resumed_request;  // a resumed response stream still belongs to its request
    net::HttpClient::HeadFn on_head = [exchange](int status, const net::Headers& headers) {
      exchange->status = status;
      exchange->event_stream =
          headers.get("Content-Type").value_or("").find("text/event-stream") != std::string_view::npos;
      keep_challenges(*exchange, headers);
    };
    net::HttpClient::DataFn on_data = [self, exchange](std::string_view data) {
      return net::DataStep::now(take_piece(self, exchange.get(), data));
    };
    auto result = co_await self->http_.stream(std::move(request), on_head, on_data, &self->closing_);
    if (self->closed_) co_return;
    if (!exchange->failure.empty()) {
      self->report_closed("GET " + self->url_ + ": " + exchange->failure);
      co_return;
    }
    if ((exchange->status == 401 || exchange->status == 403) && self->authorizer_ && refusals < 2) {
      // The token expired while the stream was open: a new one, then the stream again.
      auto recovered = co_await self->recover(*exchange, ++refusals);
      if (self->closed_) co_return;
      if (recovered) {
        delay = std::chrono::milliseconds(0);
        continue;
      }
      log::warn("MCP server {}: {}", self->server_id_, recovered.error().message);
    }
    if (exchange->status == 404 && resuming && !self->session_id_.empty()) {
      self->report_closed("the server ended the MCP session (HTTP 404 when resuming a stream)");
      co_return;
    }
    if (result && exchange->status >= 300) {
      // 405 is the documented "no stream here"; a server without sessions may also answer 404 or 400. An
      // expired session shows on the next POST, which answers 404 too.
      log::debug("MCP server {}: GET {} answered HTTP {}; no server-initiated stream", self->server_id_,
                 self->url_, exchange->status);
      co_return;
    }
    if (resuming && exchange->delivered_response) co_return;
    if (auto id = exchange->parser.last_event_id()) last_event_id = id;
    delay = reconnect_delay(exchange->parser);
  }
}

asio::awaitable<void> HttpTransport::listen_legacy_stream(std::shared_ptr<HttpTransport> self) {
  auto request = self->base_request("GET", self->url_);
  co_await self->authorize(request);
  request.headers.set("Accept", "text/event-stream");
  request.read_timeout = std::chrono::hours(24);
  auto exchange = std::make_shared<Exchange>();
  exchange->event_stream = true;
  net::HttpClient::HeadFn on_head = [exchange](int status, const net::Headers&) {
    exchange->status = status;
  };
  net::HttpClient::DataFn on_data = [self, exchange](std::string_view data) {
    return net::DataStep::now(take_piece(self, exchange.get(), data));
  };
  auto result = co_await self->http_.stream(std::move(request), on_head, on_data, &self->closing_);
  if (self->closed_) co_return;
  std::string why = !exchange->failure.empty()
                        ? "the event stream failed: " + exchange->failure
                        : (result ? "the event stream ended (HTTP " + std::to_string(exchange->status) + ")"
                                  : "the event stream failed: " + result.error().message);
  if (self->legacy_endpoint_.empty()) {
    self->legacy_error_ = why;
    self->endpoint_ready_.cancel();
    co_return;
  }
  self->report_closed(why);
}

void HttpTransport::legacy_endpoint_found(const std::string& endpoint) {
  if (!legacy_endpoint_.empty()) return;
  legacy_endpoint_ = resolve_endpoint_url(url_, endpoint);
  endpoint_ready_.cancel();
}

asio::awaitable<Result<void, Failure>> HttpTransport::open_legacy() {
  legacy_ = true;
  asio::co_spawn(strand_, listen_legacy_stream(shared_from_this()), asio::detached);
  endpoint_ready_.expires_after(std::chrono::seconds(30));
  boost::system::error_code ec;
  co_await endpoint_ready_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  if (!legacy_endpoint_.empty()) co_return success();
  if (!legacy_error_.empty()) co_return fail(legacy_error_);
  co_return fail("no endpoint event within 30 s");
}

asio::awaitable<void> HttpTransport::close() {
  if (closed_) co_return;
  closed_ = true;
  closing_.cancel();
  if (!legacy_ && !session_id_.empty()) {
    auto request = base_request("DELETE", url_);
    co_await authorize(request);
    request.read_timeout = std::chrono::milliseconds(2000);
    (void)co_await http_.fetch(std::move(request), nullptr);
  }
}

}  // namespace parley::mcp
