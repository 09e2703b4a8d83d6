// One client connection of the HTTP server: reads requests one after another (keep-alive), applies the
// header/body limits and deadlines, runs the route, writes the response, and may end in an SSE stream.
// A template over the stream so that the protocol tests run it over Beast's test::stream; the server uses
// HttpSession<beast::tcp_stream> (instantiated once, in http_session.cpp). Private to src/net/.
#pragma once

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream_base.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/log.hpp"
#include "net/body_deadline.hpp"
#include "net/http_messages.hpp"
#include "net/request_dispatch.hpp"
#include "net/response_write.hpp"
#include "net/server_connection.hpp"
#include "net/sse_stream.hpp"
#include "net/streaming_body.hpp"

namespace parley::net {

// How a route's body is read: its limit, and whether it is read before the handler runs, streamed to it, or
// never read ("body ignored").
struct BodyRule {
  std::size_t limit = 0;
  bool read = true;
  bool streamed = false;
};

inline BodyRule body_rule_for(const RouteSpec* route, const ServerOptions& options) {
  if (!route) return BodyRule{options.normal_body_limit, true, false};
  switch (route->body) {
    case BodyPolicy::ignored:
      return BodyRule{options.normal_body_limit, false, false};
    case BodyPolicy::normal:
      return BodyRule{options.normal_body_limit, true, false};
    case BodyPolicy::chat:
      return BodyRule{options.chat_body_limit, true, false};
    case BodyPolicy::upload:
      return BodyRule{options.upload_body_limit, true, true};
  }
  return BodyRule{options.normal_body_limit, true, false};
}

// A stream that speaks TLS (TlsServerStream, tls_stream.hpp): the session starts with the handshake and its
// requests are https.
template <class Stream>
concept SecureStream = requires {
  requires Stream::secure;
};

// `Stream` is beast::tcp_stream or a stream with its interface: Beast's async read/write, expires_after /
// expires_at / expires_never, and socket() with the calls of tcp::socket used here and by the SSE writer.
template <class Stream>
class HttpSession final : public ServerConnection, public std::enable_shared_from_this<HttpSession<Stream>> {
 public:
  HttpSession(Stream stream, std::shared_ptr<ConnectionHost> host)
      : stream_(std::move(stream)), host_(std::move(host)) {}
  // Normally off the idle list already (run() ends with closed()); not so when the io_context is destroyed
  // with the session's coroutine still pending.
  ~HttpSession() override { host_->limit.busy(*this); }
  HttpSession(const HttpSession&) = delete;
  HttpSession& operator=(const HttpSession&) = delete;

  void start() override { boost::asio::co_spawn(stream_.get_executor(), run(), boost::asio::detached); }

  // At the connection limit, to make room for a waiting client (under the limiter's lock: only posts).
  void evict() override {
    boost::asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
      if (self->idle_ && self->stream_.socket().is_open()) {
        self->close_socket();
      } else {
        self->host_->limit.changed();  // a request arrived meanwhile: the accept loop looks again
      }
    });
  }

  void close_if_idle() override {
    boost::asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
      self->closing_ = true;
      boost::system::error_code ec;  // in a posted handler: an exception would leave io_context::run
      if (self->idle_) self->stream_.socket().close(ec);
    });
  }

  void force_close() override {
    boost::asio::post(stream_.get_executor(), [self = this->shared_from_this()] { self->close_socket(); });
  }

 private:
  using Clock = std::chrono::steady_clock;
  using HeadParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

  // An SSE response, moved out of handle_one so that its frame (the parsers, the request body) is gone while
  // the stream runs.
  struct PendingSse {
    Request req;
    Response res;
  };
  struct Handled {
    bool keep_alive = false;
    std::unique_ptr<PendingSse> sse;
  };

  boost::asio::awaitable<void> run();
  // A SecureStream's TLS handshake, under the header deadline (the connection is idle meanwhile). False when
  // it failed: a client that speaks plain HTTP to the port is told so in a 400, then the connection closes.
  boost::asio::awaitable<bool> tls_handshake();
  boost::asio::awaitable<Handled> handle_one();
  // Reads the next request header (the connection is idle meanwhile). False when there is none: the client
  // closed, stalled or sent a malformed one (answered here when something can still be answered).
  boost::asio::awaitable<bool> read_head(HeadParser& parser);
  // Reads a body before its handler runs. False when it was refused (413, 408) or the client went away: the
  // connection then closes.
  boost::asio::awaitable<bool> read_body(HeadParser& parser, Request& req, std::size_t limit,
                                         Clock::time_point started);
  // The policy answered before the route ran (auth, Host check, CORS preflight).
  boost::asio::awaitable<Handled> answer_early(Request& req, Response& res, bool body_pending,
                                               bool keep_alive_requested, Clock::time_point started);
  // False when the response could not be written completely (the connection is then of no use).
  boost::asio::awaitable<bool> write_response(const Request& req, const Response& res, bool keep_alive);
  // An error the server answers without a request it could give the policy (a malformed header), then closes.
  boost::asio::awaitable<void> write_error(int status, const char* message);
  // Answers with an error and closes the connection (the rest of the request is not read). False when the
  // answer could not be written.
  boost::asio::awaitable<bool> refuse(Request& req, int status, const char* message,
                                      Clock::time_point started);
  // The body did not arrive within body_timeout: 408, then close.
  boost::asio::awaitable<void> refuse_late_body(Request& req, Clock::time_point started);
  // After answering before a body was read: stop sending, then read and drop what the client still sends
  // for a moment, so that closing does not reset the connection before the client has read the answer.
  boost::asio::awaitable<void> drain_before_close();

  void completed(const Request& req, int status, Clock::time_point started) {
    host_->policy.completed(req, status, Clock::now() - started);
  }
  void close_socket() {
    boost::system::error_code ec;
    stream_.socket().shutdown(boost::asio::socket_base::shutdown_both, ec);
    stream_.socket().close(ec);
  }

  Stream stream_;
  boost::beast::flat_buffer buffer_;
  std::shared_ptr<ConnectionHost> host_;
  bool idle_ = true;
  bool closing_ = false;
  bool http10_ = false;  // the current request is HTTP/1.0: no chunked encoding, no 100 Continue
  std::string remote_;
};

template <class Stream>
boost::asio::awaitable<void> HttpSession<Stream>::run() {
  auto self = this->shared_from_this();
  boost::system::error_code ec;
  const auto ep = stream_.socket().remote_endpoint(ec);
  remote_ = ec ? std::string() : ep.address().to_string();
  try {
    const bool ready = co_await tls_handshake();
    while (ready && !closing_) {
      auto handled = co_await handle_one();
      if (handled.sse) {
        // The request's read buffer is not kept for the length of the stream (~0.5 KB for every open stream,
        // P3) unless it holds bytes the client already sent; the client watch only peeks at the socket.
        if (buffer_.size() == 0) buffer_.shrink_to_fit();
        // The connection carries a next request after a stream that ended whole (a browser's next turn
        // then needs no new connection).
        const bool reusable =
            co_await run_sse_stream(stream_, handled.sse->req, handled.sse->res, http10_,
                                    handled.keep_alive && !closing_, host_->options, host_->policy);
        if (!reusable || closing_) break;
        continue;
      }
      if (!handled.keep_alive) break;
    }
  } catch (const std::exception& e) {
    // I/O failures are values and handler exceptions are answered with 500: only a bug gets here (e.g. in the
    // policy). The connection ends; the server goes on.
    log::error("Connection from {} ended by an unexpected error: {}", remote_, e.what());
  }
  stream_.socket().shutdown(boost::asio::socket_base::shutdown_send, ec);
  stream_.socket().close(ec);
  host_->closed(self);
}

template <class Stream>
boost::asio::awaitable<bool> HttpSession<Stream>::tls_handshake() {
  if constexpr (SecureStream<Stream>) {
    idle_ = true;
    host_->limit.idle(*this);
    stream_.expires_after(host_->options.header_timeout);
    auto [ec] = co_await stream_.tls().async_handshake(boost::asio::ssl::stream_base::server,
                                                       boost::asio::as_tuple(boost::asio::use_awaitable));
    host_->limit.busy(*this);
    idle_ = false;
    if (!ec) {
      stream_.expires_never();
      co_return true;
    }
    log::debug("TLS handshake with {} failed: {}", remote_, ec.message());
    if (ec.category() == boost::asio::error::get_ssl_category() &&
        ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_HTTP_REQUEST) {
      // Nothing was written yet: the answer goes out in plain text on the TCP stream.
      static constexpr std::string_view kPlainHttp =
          "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 53\r\n"
          "Connection: close\r\n\r\nThis port speaks HTTPS: use https:// in the address.\n";
      stream_.expires_after(std::chrono::seconds(5));
      co_await boost::asio::async_write(stream_.tcp(),
                                        boost::asio::buffer(kPlainHttp.data(), kPlainHttp.size()),
                                        boost::asio::as_tuple(boost::asio::use_awaitable));
      stream_.expires_never();
    }
    co_return false;
  } else {
    co_return true;
  }
}

template <class Stream>
boost::asio::awaitable<bool> HttpSession<Stream>::read_head(HeadParser& parser) {
  namespace http = boost::beast::http;
  parser.header_limit(static_cast<std::uint32_t>(host_->options.header_limit));
  // Unlimited while reading the header: the route's limit is applied once the route is known.
  parser.body_limit(boost::none);
  idle_ = true;
  host_->limit.idle(*this);
  stream_.expires_after(host_->options.header_timeout);
  auto [ec, n] = co_await http::async_read_header(stream_, buffer_, parser,
                                                  boost::asio::as_tuple(boost::asio::use_awaitable));
  host_->limit.busy(*this);
  idle_ = false;
  if (!ec) co_return true;
  // A timed-out stream is already closed by tcp_stream: nothing can be written to it.
  if (ec == http::error::header_limit) {
    co_await write_error(431, "Request header fields too large");
  } else if (ec == http::error::body_limit) {
    co_await write_error(413, "Request body too large");
  } else if (ec != http::error::end_of_stream && ec != boost::beast::error::timeout &&
             ec != boost::asio::error::eof && ec != boost::asio::error::operation_aborted &&
             ec != boost::asio::error::connection_reset && ec != boost::asio::error::bad_descriptor &&
             ec != boost::asio::ssl::error::stream_truncated) {
    co_await write_error(400, "Bad Request");
  }
  co_return false;
}

template <class Stream>
boost::asio::awaitable<typename HttpSession<Stream>::Handled> HttpSession<Stream>::handle_one() {
  const auto& opts = host_->options;
  HeadParser parser;
  if (!co_await read_head(parser)) co_return Handled{};
  const auto started = Clock::now();
  http10_ = parser.get().version() < 11;
  if (http10_ && parser.get().count(boost::beast::http::field::transfer_encoding) > 0) {
    // HTTP/1.0 has no transfer codings: the framing of such a message cannot be trusted (RFC 9112 §6.1).
    co_await write_error(400, "Bad Request");
    co_return Handled{};
  }
  Request req = to_request(parser.get().base(), remote_);
  if constexpr (SecureStream<Stream>) req.scheme = "https";
  const bool keep_alive_requested = parser.get().keep_alive();

  RouteMatch match = host_->router.match(req.method, req.path);
  if (match.route) req.route_template = match.route->pattern;

  if (auto early = co_await host_->policy.before(req, match)) {
    co_return co_await answer_early(req, *early, !parser.is_done(), keep_alive_requested, started);
  }

  if (match.kind == RouteMatch::Kind::bad_path) {
    const Response res = Response::json(404, json_error("Not Found"));
    const bool written = co_await write_response(req, res, false);
    completed(req, written ? 404 : 0, started);
    co_return Handled{};
  }

  const BodyRule rule = body_rule_for(match.route, opts);
  bool body_unread = false;
  std::unique_ptr<StreamingBody<Stream>> streaming_body;
  if (!parser.is_done()) {
    const auto content_length = parser.content_length();
    if (rule.read && content_length && *content_length > rule.limit) {
      co_await refuse(req, 413, "Request body too large", started);
      co_return Handled{};
    }
    if (rule.streamed) {
      // The handler reads the body itself (and may answer before reading it all).
      // (On the heap, with the parser it takes over: not in this frame, which every idle connection keeps.)
      streaming_body = std::make_unique<StreamingBody<Stream>>(
          stream_, buffer_, std::move(parser), rule.limit, opts.body_idle_timeout, opts.body_timeout,
          opts.write_timeout, !http10_ && iequals(req.header("Expect"), "100-continue"));
      req.body_reader = streaming_body.get();
    } else if (rule.read) {
      if (!co_await read_body(parser, req, rule.limit, started)) co_return Handled{};
    } else {
      body_unread = true;
    }
  }
  stream_.expires_never();

  // A client that hangs up while the handler runs cancels what the handler started (if it looks).
  // (Not while a handler reads its body itself: its reads own the socket.)
  using Socket = std::remove_reference_t<decltype(stream_.socket())>;
  auto handler_watch = std::make_shared<HandlerClientWatch>();
  if constexpr (PeekableSocket<Socket>) {
    if (!streaming_body) {
      req.cancellation = &handler_watch->signal;
      watch_handler_client(stream_.socket(), handler_watch);
    }
  }
  Response res = co_await dispatch_request(req, match, opts, host_->ui, host_->policy);
  handler_watch->active = false;
  if constexpr (PeekableSocket<Socket>) {
    if (req.cancellation) {
      req.cancellation = nullptr;
      boost::system::error_code ignored;
      stream_.socket().cancel(ignored);  // the watch's wait
    }
  }
  host_->policy.after(req, res);
  if (streaming_body) {
    req.body_reader = nullptr;
    if (streaming_body->timed_out()) {
      co_await refuse_late_body(req, started);
      co_return Handled{};
    }
    if (streaming_body->connection_failed()) {
      // The client went away or stalled mid-body: nothing can be answered.
      completed(req, 0, started);
      co_return Handled{};
    }
    body_unread = !streaming_body->finished();
  }

  if (res.sse) {
    // The body was parsed by the handler; the stream needs only the request line, and its headers only when
    // the policy will log them at the end.
    std::string().swap(req.body);
    if (!host_->policy.reads_headers_when_completed()) req.headers = Headers();
    co_return Handled{keep_alive_requested && !body_unread && !res.close,
                      std::make_unique<PendingSse>(PendingSse{std::move(req), std::move(res)})};
  }
  const bool keep = keep_alive_requested && !body_unread && !res.close && !closing_;
  const bool written = co_await write_response(req, res, keep);
  completed(req, written ? res.status : 0, started);
  if (!written) co_return Handled{};
  if (streaming_body && body_unread) co_await drain_before_close();
  co_return Handled{keep, nullptr};
}

template <class Stream>
boost::asio::awaitable<bool> HttpSession<Stream>::read_body(HeadParser& parser, Request& req,
                                                            std::size_t limit, Clock::time_point started) {
  namespace http = boost::beast::http;
  const auto& opts = host_->options;
  parser.body_limit(limit);
  const BodyDeadline deadline(stream_.socket(), opts.body_timeout);
  if (!http10_ && iequals(req.header("Expect"), "100-continue") &&
      !co_await write_continue(stream_, opts.write_timeout)) {
    completed(req, 0, started);
    co_return false;
  }
  while (!parser.is_done()) {
    stream_.expires_after(opts.body_idle_timeout);
    auto [ec, n] = co_await http::async_read_some(stream_, buffer_, parser,
                                                  boost::asio::as_tuple(boost::asio::use_awaitable));
    if (ec == http::error::body_limit) {
      co_await refuse(req, 413, "Request body too large", started);
      co_return false;
    }
    if (ec && deadline.passed()) {
      co_await refuse_late_body(req, started);
      co_return false;
    }
    if (ec) {
      // A client that went away or stalled (tcp_stream already closed the socket): nothing to answer.
      completed(req, 0, started);
      co_return false;
    }
  }
  req.body = std::move(parser.get().body());
  co_return true;
}

template <class Stream>
boost::asio::awaitable<typename HttpSession<Stream>::Handled> HttpSession<Stream>::answer_early(
    Request& req, Response& res, bool body_pending, bool keep_alive_requested, Clock::time_point started) {
  host_->policy.after(req, res);
  // The body was not read: the connection cannot be reused unless there was none.
  const bool keep = keep_alive_requested && !body_pending && !res.close && !closing_;
  const bool written = co_await write_response(req, res, keep);
  completed(req, written ? res.status : 0, started);
  if (!written) co_return Handled{};
  // The client may still be sending the body: read it off for a moment, or closing resets the connection
  // before the client has read the refusal.
  if (body_pending) co_await drain_before_close();
  co_return Handled{keep, nullptr};
}

template <class Stream>
boost::asio::awaitable<bool> HttpSession<Stream>::write_response(const Request& req, const Response& res,
                                                                 bool keep_alive) {
  auto head = response_head(res, keep_alive, http10_);
  const std::string_view body = has_no_body(req, res.status) ? std::string_view()
                                : res.static_body            ? *res.static_body
                                                             : std::string_view(res.body);
  co_return co_await write_response_message(stream_, head, body, host_->options.write_timeout);
}

template <class Stream>
boost::asio::awaitable<void> HttpSession<Stream>::write_error(int status, const char* message) {
  Response res = Response::json(status, json_error(message));
  const Request none;
  host_->policy.after(none, res);
  auto head = response_head(res, false, false);
  co_await write_response_message(stream_, head, res.body, std::chrono::seconds(5));
}

template <class Stream>
boost::asio::awaitable<bool> HttpSession<Stream>::refuse(Request& req, int status, const char* message,
                                                         Clock::time_point started) {
  Response res = Response::json(status, json_error(message));
  host_->policy.after(req, res);
  const bool written = co_await write_response(req, res, false);
  completed(req, written ? status : 0, started);
  co_return written;
}

template <class Stream>
boost::asio::awaitable<void> HttpSession<Stream>::refuse_late_body(Request& req, Clock::time_point started) {
  const auto seconds = std::chrono::duration<double>(host_->options.body_timeout).count();
  log::warn(
      "[{}] {} {}: the request body did not arrive within {:g} s; answering 408 and closing the connection",
      req.request_id, req.method, req.path, seconds);
  const std::string message = fmt::format("Request body not received within {:g} seconds", seconds);
  if (co_await refuse(req, 408, message.c_str(), started)) co_await drain_before_close();
}

template <class Stream>
boost::asio::awaitable<void> HttpSession<Stream>::drain_before_close() {
  boost::system::error_code ec;
  stream_.socket().shutdown(boost::asio::socket_base::shutdown_send, ec);
  std::array<char, 16384> discard{};
  std::size_t total = 0;
  const auto deadline = Clock::now() + std::chrono::seconds(2);
  while (total < 8 * 1024 * 1024 && Clock::now() < deadline) {
    stream_.expires_at(deadline);
    auto [rec, n] = co_await stream_.async_read_some(boost::asio::buffer(discard),
                                                     boost::asio::as_tuple(boost::asio::use_awaitable));
    if (rec) break;
    total += n;
  }
  stream_.expires_never();
}

}  // namespace parley::net
