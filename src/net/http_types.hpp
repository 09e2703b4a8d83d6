// parley's own HTTP request/response types. Beast stays inside src/net/*.cpp; handlers see only these.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/cancel_signal.hpp"

namespace parley::net {

namespace asio = boost::asio;

// Case-insensitive multi-map of header fields, in arrival order.
class Headers {
 public:
  void add(std::string name, std::string value) { fields_.emplace_back(std::move(name), std::move(value)); }
  void set(std::string_view name, std::string value);
  void remove(std::string_view name);
  [[nodiscard]] std::optional<std::string_view> get(std::string_view name) const;
  [[nodiscard]] bool has(std::string_view name) const { return get(name).has_value(); }
  [[nodiscard]] const std::vector<std::pair<std::string, std::string>>& all() const { return fields_; }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

bool iequals(std::string_view a, std::string_view b);

// The body of a streaming route (uploads), read piece by piece by its handler instead of being buffered
// before the handler runs. Valid only while the handler runs.
class BodyReader {
 public:
  enum class Status { data, end, too_large, failed };
  struct Piece {
    Status status = Status::end;
    std::string_view data;  // valid until the next read_some
  };
  virtual ~BodyReader() = default;
  // The next piece of the body, its end, or why reading stopped (limit passed, client gone or stalled).
  virtual asio::awaitable<Piece> read_some() = 0;
  [[nodiscard]] virtual std::optional<std::uint64_t> content_length() const = 0;
};

struct Request {
  std::string method;  // upper case; HEAD requests keep "HEAD"
  std::string target;  // raw request target
  std::string path;    // raw (still percent-encoded) path
  std::string query;   // raw query string without '?'
  Headers headers;
  std::string body;                                // empty on streaming routes: see body_reader
  BodyReader* body_reader = nullptr;               // set on streaming routes (BodyPolicy::upload)
  std::map<std::string, std::string> path_params;  // percent-decoded
  std::string route_template;                      // e.g. "/api/presets/{name}", for logs and metrics
  std::string request_id;
  std::string remote_address;   // client address (X-Forwarded-For when trusted)
  std::string scheme = "http";  // https when X-Forwarded-Proto says so and proxies are trusted
  std::string host;             // effective Host
  // Fired when the client closes the connection while the handler runs (a long non-streaming answer gives
  // up its upstream work). Null outside a handler.
  CancelSignal* cancellation = nullptr;

  [[nodiscard]] bool is_head() const { return method == "HEAD"; }
  // Decoded query parameters, in order ('+' is a space).
  [[nodiscard]] std::vector<std::pair<std::string, std::string>> query_params() const;
  [[nodiscard]] std::optional<std::string> query_param(std::string_view name) const;
  [[nodiscard]] std::string_view header(std::string_view name) const {
    return headers.get(name).value_or("");
  }
};

// A stream of server-sent events. Implemented by the HTTP session; handlers only queue frames.
class SseSink {
 public:
  virtual ~SseSink() = default;
  // Queues one preformatted frame (see format_sse_event). Waits while the queue is full (backpressure).
  // Returns false once the client has gone; the caller should stop producing. One send at a time (one
  // producer): frames go out in the order they were handed over.
  virtual asio::awaitable<bool> send(std::string frame) = 0;
  // send() without waiting, for a producer that runs in a plain callback: true when the frame was written or
  // queued (or dropped because the client is gone: see client_gone()); false, with `frame` as it was, when
  // it would have to wait (a full queue), and then it is for send(). Same order and one-at-a-time rule.
  virtual bool try_send(std::string& frame) {
    (void)frame;
    return false;
  }
  [[nodiscard]] virtual bool client_gone() const = 0;
  // Fired when the client leaves (or stops reading); the producer should stop its upstream work and finish.
  virtual CancelSignal& cancellation() = 0;
};

// "id: ..\nevent: <name>\ndata: <line>\n...\n\n" with LF line ends (api.md §3.4).
std::string format_sse_event(std::string_view event, std::string_view data, std::string_view id = {});
// The same frame, appended to `out` (a batch of frames) without a string of its own.
void append_sse_event(std::string& out, std::string_view event, std::string_view data,
                      std::string_view id = {});

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  // When set, the body is this immutable memory (static files) instead of `body`.
  std::optional<std::string_view> static_body;
  // When set, the response is an SSE stream produced by this coroutine.
  std::function<asio::awaitable<void>(SseSink&)> sse;
  // Keep-alive comments between the frames of `sse`; off for a streamed document that is not an event stream.
  bool sse_keepalive = true;
  // Close the connection after this response.
  bool close = false;
  // The body hands out a credential on purpose (the Deepgram key fallback): not masked like other bodies.
  bool carries_credential = false;

  static Response json(int status, std::string body);
  static Response no_content();
};

struct Request;
using Handler = std::function<asio::awaitable<Response>(Request&)>;

// Percent-decoding of one path segment or query component. Returns false on a malformed escape.
bool percent_decode(std::string_view in, std::string& out, bool plus_is_space = false);
std::string percent_encode_segment(std::string_view in);

}  // namespace parley::net
