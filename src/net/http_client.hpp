// HTTP/1.1 client for upstream services (OpenRouter, Deepgram, GCS, S3): TLS with certificate and host-name
// verification, connect/read timeouts, keep-alive connection reuse, streamed response bodies, and
// cancellation that closes the connection at once.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/cancel_signal.hpp"
#include "core/error.hpp"
#include "net/http_types.hpp"

namespace parley::net {

struct ClientRequest {
  std::string method = "GET";
  std::string url;  // http:// or https://
  Headers headers;
  std::string body;
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds read_timeout{120000};  // without any byte
  std::size_t max_body_bytes = 64 * 1024 * 1024;   // for buffered responses
  // When set, every address the host resolves to must pass before anything is connected, the connection goes
  // only to those checked addresses (no second lookup, so no DNS rebinding), and no pooled connection is used
  // or kept.
  std::function<bool(const boost::asio::ip::address&)> address_allowed;
};

struct ClientResponse {
  int status = 0;
  Headers headers;
  std::string body;
};

struct TransportError {
  enum class Kind {
    unreachable,
    timeout,
    disconnected,
    cancelled,
    bad_url,
    too_large
  } kind = Kind::unreachable;
  std::string message;  // readable, e.g. "connection refused"
};

// What a streamed response's data callback answers about a piece: at once (`more`: read on, or stop), or,
// when it has to wait first (a client that is not reading, an image to store), `later`, which is awaited
// before the next piece is read and answers the same. Most pieces are answered at once: then no coroutine
// runs for them (the callback is called from the read's completion handler).
struct DataStep {
  bool more = true;
  std::optional<boost::asio::awaitable<bool>> later;

  static DataStep now(bool more) {
    DataStep step;
    step.more = more;
    return step;
  }
  static DataStep after(boost::asio::awaitable<bool> wait) {
    DataStep step;
    step.later.emplace(std::move(wait));
    return step;
  }
};

class HttpClient {
 public:
  explicit HttpClient(boost::asio::io_context& ioc);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Buffers the whole response body.
  boost::asio::awaitable<Result<ClientResponse, TransportError>> fetch(ClientRequest request,
                                                                       CancelSignal* cancel = nullptr);

  // Streams the body: `on_head` once, then `on_data` for each piece as it arrives (answer false to stop,
  // which closes the connection). `data` is valid during the call only, not while a `later` answer runs.
  // Completes when the body ends, fails, or `cancel` fires.
  using HeadFn = std::function<void(int status, const Headers& headers)>;
  using DataFn = std::function<DataStep(std::string_view data)>;
  boost::asio::awaitable<Result<int, TransportError>> stream(ClientRequest request, HeadFn on_head,
                                                             DataFn on_data, CancelSignal* cancel = nullptr);

  // Opens a connection ahead of the first request (a warm connection makes the first token come faster).
  void prewarm(const std::string& url);

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace parley::net
