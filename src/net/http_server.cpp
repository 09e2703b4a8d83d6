#include "net/http_server.hpp"

#include <malloc.h>
#include <array>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/channel.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "core/clock.hpp"
#include "core/log.hpp"
#include "net/body_deadline.hpp"
#include "net/connection_limit.hpp"

namespace parley::net {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using asio::awaitable;
using asio::use_awaitable;
using namespace asio::experimental::awaitable_operators;
constexpr auto as_tuple_awaitable = asio::as_tuple(use_awaitable);

class Session;

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  Impl(asio::io_context& ioc_, ServerOptions opts, const Router& r, const StaticFiles& s, RequestPolicy& p)
      : ioc(ioc_),
        options(std::move(opts)),
        router(r),
        ui(s),
        policy(p),
        acceptor(asio::make_strand(ioc_)),
        limit(options.max_connections ? options.max_connections : connection_limit_for(open_files_limit())),
        change(acceptor.get_executor()) {}

  asio::io_context& ioc;
  ServerOptions options;
  const Router& router;
  const StaticFiles& ui;
  RequestPolicy& policy;
  tcp::acceptor acceptor;
  ConnectionLimit limit;
  // The accept loop waits on this timer for a slot or an idle connection; ConnectionLimit's wake-up cancels
  // it.
  asio::steady_timer change;

  std::mutex mutex;
  std::set<std::shared_ptr<Session>> sessions;
  bool stopping = false;
  std::function<void()> on_stopped;

  awaitable<void> accept_loop();
  // Until the limit's state changes (a connection closed or went idle), or `timeout` passes.
  awaitable<void> wait_for_change(std::uint64_t seen, std::chrono::milliseconds timeout);
  void remove(const std::shared_ptr<Session>& s);
  void maybe_finish();
};

namespace {

std::string json_error(std::string_view message) {
  std::string body = R"({"detail":")";
  body += message;  // only fixed ASCII messages are passed here
  body += "\"}";
  return body;
}

Request to_request(const http::request_header<>& h, const std::string& remote) {
  Request r;
  r.method = std::string(h.method_string());
  r.target = std::string(h.target());
  const auto q = r.target.find('?');
  r.path = r.target.substr(0, q);
  if (q != std::string::npos) r.query = r.target.substr(q + 1);
  for (const auto& f : h) r.headers.add(std::string(f.name_string()), std::string(f.value()));
  r.remote_address = remote;
  r.host = std::string(h[http::field::host]);
  return r;
}

}  // namespace

// The body of a streaming route, read on demand by its handler through a buffer_body parser.
class StreamingBody final : public BodyReader {
 public:
  StreamingBody(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                http::request_parser<http::buffer_body>& parser, std::chrono::milliseconds idle_timeout,
                std::chrono::milliseconds body_timeout, std::chrono::milliseconds write_timeout,
                bool expect_continue)
      : stream_(stream),
        buffer_(buffer),
        parser_(parser),
        idle_timeout_(idle_timeout),
        write_timeout_(write_timeout),
        expect_continue_(expect_continue),
        deadline_(stream.socket(), body_timeout) {}

  awaitable<Piece> read_some() override {
    if (failed_) co_return Piece{failed_status_, {}};
    if (deadline_.passed()) co_return fail(Status::failed);  // e.g. while the handler stored the last piece
    if (expect_continue_) {
      // The client waits for this before sending the body: only sent once the handler wants the body.
      expect_continue_ = false;
      http::response<http::empty_body> cont{http::status::continue_, 11};
      stream_.expires_after(write_timeout_);
      auto [wec, wn] = co_await http::async_write(stream_, cont, as_tuple_awaitable);
      if (wec) co_return fail(Status::failed);
    }
    while (!parser_.is_done()) {
      auto& body = parser_.get().body();
      body.data = chunk_.data();
      body.size = chunk_.size();
      body.more = true;
      stream_.expires_after(idle_timeout_);
      auto [ec, n] = co_await http::async_read_some(stream_, buffer_, parser_, as_tuple_awaitable);
      if (ec == http::error::body_limit) co_return fail(Status::too_large);
      if (ec && deadline_.passed()) co_return fail(Status::failed);
      if (ec && ec != http::error::need_buffer) co_return fail(Status::failed);
      const std::size_t used = chunk_.size() - parser_.get().body().size;
      if (used > 0) co_return Piece{Status::data, std::string_view(chunk_.data(), used)};
    }
    stream_.expires_never();
    co_return Piece{Status::end, {}};
  }

  [[nodiscard]] std::optional<std::uint64_t> content_length() const override {
    const auto n = parser_.content_length();
    return n ? std::optional<std::uint64_t>(*n) : std::nullopt;
  }
  [[nodiscard]] bool finished() const { return parser_.is_done() && !failed_; }
  [[nodiscard]] bool connection_failed() const { return failed_ && failed_status_ == Status::failed; }
  // The body did not arrive within its deadline (the connection can still carry a 408).
  [[nodiscard]] bool timed_out() const { return failed_ && deadline_.passed(); }

 private:
  Piece fail(Status status) {
    failed_ = true;
    failed_status_ = status;
    return Piece{status, {}};
  }

  beast::tcp_stream& stream_;
  beast::flat_buffer& buffer_;
  http::request_parser<http::buffer_body>& parser_;
  std::chrono::milliseconds idle_timeout_;
  std::chrono::milliseconds write_timeout_;
  bool expect_continue_;
  BodyDeadline deadline_;
  bool failed_ = false;
  Status failed_status_ = Status::failed;
  std::array<char, 65536> chunk_{};
};

// One TCP connection: a sequence of requests (keep-alive), possibly ending in an SSE stream.
class Session final : public std::enable_shared_from_this<Session>, public IdleLink {
 public:
  Session(tcp::socket socket, std::shared_ptr<HttpServer::Impl> server)
      : stream_(std::move(socket)), server_(std::move(server)) {}
  // Normally off the idle list already (run() ends with remove()); not so when the io_context is destroyed
  // with the session's coroutine still pending.
  ~Session() override;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // At the connection limit, to make room for a waiting client (under the limiter's lock: only posts).
  void evict() override {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      if (self->idle_ && self->stream_.socket().is_open()) {
        boost::system::error_code ec;
        self->stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
        self->stream_.socket().close(ec);
      } else {
        self->server_->limit.changed();  // a request arrived meanwhile: the accept loop looks again
      }
    });
  }

  awaitable<void> run();
  [[nodiscard]] asio::any_io_executor executor() { return stream_.get_executor(); }
  // Called from any thread during shutdown.
  void close_if_idle() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      self->closing_ = true;
      if (self->idle_) self->stream_.socket().close();
    });
  }
  void force_close() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      boost::system::error_code ec;
      self->stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
      self->stream_.socket().close(ec);
    });
  }

 private:
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
  awaitable<Handled> handle_one();
  awaitable<void> write_response(Request& req, Response& res, bool keep_alive);
  awaitable<void> write_simple(int status, std::string body, const Request* req);
  // Answers with an error and closes the connection (the rest of the request is not read).
  awaitable<void> refuse(Request& req, int status, const char* message,
                         std::chrono::steady_clock::time_point started);
  // The body did not arrive within body_timeout: 408, then close.
  awaitable<void> refuse_late_body(Request& req, std::chrono::steady_clock::time_point started);
  awaitable<void> run_sse(Request& req, Response& res);
  awaitable<void> write_sse_head(const Response& res);
  // After answering before a body was read: stop sending, then read and drop what the client still sends
  // for a moment, so that closing does not reset the connection before the client has read the answer.
  awaitable<void> drain_before_close();

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::shared_ptr<HttpServer::Impl> server_;
  bool idle_ = true;
  bool closing_ = false;
  bool http10_ = false;  // the current request is HTTP/1.0: no chunked encoding, no 100 Continue
  std::string remote_;
};

Session::~Session() {
  server_->limit.busy(*this);
}

awaitable<void> Session::run() {
  auto self = shared_from_this();
  boost::system::error_code ec;
  const auto ep = stream_.socket().remote_endpoint(ec);
  remote_ = ec ? std::string() : ep.address().to_string();
  try {
    while (!closing_) {
      auto handled = co_await handle_one();
      if (handled.sse) {
        co_await run_sse(handled.sse->req, handled.sse->res);
        break;
      }
      if (!handled.keep_alive) break;
    }
  } catch (const std::exception&) {
    // Socket errors end the connection; handler failures were answered inside handle_one.
  }
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream_.socket().close(ec);
  server_->remove(self);
}

awaitable<void> Session::write_simple(int status, std::string body, const Request* req) {
  Response res = Response::json(status, std::move(body));
  Request dummy;
  if (req) {
    Request copy = *req;
    server_->policy.after(copy, res);
  } else {
    server_->policy.after(dummy, res);
  }
  http::response<http::string_body> msg{static_cast<http::status>(status), 11};
  for (const auto& [k, v] : res.headers.all()) msg.set(k, v);
  msg.body() = std::move(res.body);
  msg.keep_alive(false);
  msg.prepare_payload();
  stream_.expires_after(std::chrono::seconds(5));
  co_await http::async_write(stream_, msg, as_tuple_awaitable);
}

awaitable<void> Session::refuse(Request& req, int status, const char* message,
                                std::chrono::steady_clock::time_point started) {
  Response res = Response::json(status, json_error(message));
  server_->policy.after(req, res);
  co_await write_response(req, res, false);
  server_->policy.completed(req, status, std::chrono::steady_clock::now() - started);
}

awaitable<void> Session::refuse_late_body(Request& req, std::chrono::steady_clock::time_point started) {
  const auto seconds = std::chrono::duration<double>(server_->options.body_timeout).count();
  log::warn(
      "[{}] {} {}: the request body did not arrive within {:g} s; answering 408 and closing the connection",
      req.request_id, req.method, req.path, seconds);
  const std::string message = fmt::format("Request body not received within {:g} seconds", seconds);
  co_await refuse(req, 408, message.c_str(), started);
  co_await drain_before_close();
}

awaitable<Session::Handled> Session::handle_one() {
  const auto& opts = server_->options;
  http::request_parser<http::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(opts.header_limit));
  // Unlimited while reading the header: the route's limit is applied once the route is known.
  parser.body_limit(boost::none);

  idle_ = true;
  server_->limit.idle(*this);
  stream_.expires_after(opts.header_timeout);
  auto [hec, hn] = co_await http::async_read_header(stream_, buffer_, parser, as_tuple_awaitable);
  server_->limit.busy(*this);
  idle_ = false;
  if (hec) {
    // A timed-out stream is already closed by tcp_stream: nothing can be written to it.
    if (hec == http::error::header_limit) {
      co_await write_simple(431, json_error("Request header fields too large"), nullptr);
    } else if (hec == http::error::body_limit) {
      co_await write_simple(413, json_error("Request body too large"), nullptr);
    } else if (hec != http::error::end_of_stream && hec != beast::error::timeout && hec != asio::error::eof &&
               hec != asio::error::operation_aborted && hec != asio::error::connection_reset &&
               hec != asio::error::bad_descriptor) {
      co_await write_simple(400, json_error("Bad Request"), nullptr);
    }
    co_return Handled{};
  }
  const auto started = std::chrono::steady_clock::now();
  http10_ = parser.get().version() < 11;
  if (http10_ && parser.get().count(http::field::transfer_encoding) > 0) {
    // HTTP/1.0 has no transfer codings: the framing of such a message cannot be trusted (RFC 9112 §6.1).
    co_await write_simple(400, json_error("Bad Request"), nullptr);
    co_return Handled{};
  }
  Request req = to_request(parser.get().base(), remote_);
  const bool keep_alive_requested = parser.get().keep_alive();

  RouteMatch match = server_->router.match(req.method, req.path);
  if (match.route) req.route_template = match.route->pattern;

  if (auto early = co_await server_->policy.before(req, match)) {
    server_->policy.after(req, *early);
    // The body was not read: the connection cannot be reused unless there was none.
    const bool body_pending = !parser.is_done();
    co_await write_response(req, *early, keep_alive_requested && !body_pending && !closing_);
    server_->policy.completed(req, early->status, std::chrono::steady_clock::now() - started);
    // The client may still be sending the body: read it off for a moment, or closing resets the connection
    // before the client has read the refusal.
    if (body_pending) co_await drain_before_close();
    co_return Handled{keep_alive_requested && !body_pending && !early->close, nullptr};
  }

  if (match.kind == RouteMatch::Kind::bad_path) {
    Response res = Response::json(404, json_error("Not Found"));
    co_await write_response(req, res, false);
    server_->policy.completed(req, 404, std::chrono::steady_clock::now() - started);
    co_return Handled{};
  }

  // Body limit of the route; "body ignored" routes never read it.
  std::size_t limit = opts.normal_body_limit;
  bool read_body = true;
  if (match.route) {
    switch (match.route->body) {
      case BodyPolicy::ignored:
        read_body = false;
        break;
      case BodyPolicy::normal:
        limit = opts.normal_body_limit;
        break;
      case BodyPolicy::chat:
        limit = opts.chat_body_limit;
        break;
      case BodyPolicy::upload:
        limit = opts.upload_body_limit;
        break;
    }
  }
  bool body_unread = false;
  const bool streaming = match.route && match.route->body == BodyPolicy::upload;
  std::optional<http::request_parser<http::buffer_body>> streaming_parser;
  std::unique_ptr<StreamingBody> streaming_body;
  if (!parser.is_done()) {
    const auto content_length = parser.content_length();
    if (read_body && content_length && *content_length > limit) {
      co_await refuse(req, 413, "Request body too large", started);
      co_return Handled{};
    }
    if (streaming) {
      // The handler reads the body itself (and may answer before reading it all).
      streaming_parser.emplace(std::move(parser));
      streaming_parser->body_limit(limit);
      streaming_body = std::make_unique<StreamingBody>(
          stream_, buffer_, *streaming_parser, opts.body_idle_timeout, opts.body_timeout, opts.write_timeout,
          !http10_ && iequals(req.header("Expect"), "100-continue"));
      req.body_reader = streaming_body.get();
    } else if (read_body) {
      parser.body_limit(limit);
      const BodyDeadline deadline(stream_.socket(), opts.body_timeout);
      if (!http10_ && iequals(req.header("Expect"), "100-continue")) {
        http::response<http::empty_body> cont{http::status::continue_, 11};
        stream_.expires_after(opts.write_timeout);
        co_await http::async_write(stream_, cont, use_awaitable);
      }
      while (!parser.is_done()) {
        stream_.expires_after(opts.body_idle_timeout);
        auto [bec, bn] = co_await http::async_read_some(stream_, buffer_, parser, as_tuple_awaitable);
        if (bec == http::error::body_limit) {
          co_await refuse(req, 413, "Request body too large", started);
          co_return Handled{};
        }
        if (bec && deadline.passed()) {
          co_await refuse_late_body(req, started);
          co_return Handled{};
        }
        if (bec) {
          // A client that went away or stalled (tcp_stream already closed the socket): nothing to answer.
          server_->policy.completed(req, 0, std::chrono::steady_clock::now() - started);
          co_return Handled{};
        }
      }
      req.body = std::move(parser.get().body());
    } else {
      body_unread = true;
    }
  }
  stream_.expires_never();

  Response res;
  try {
    if (match.route) {
      req.path_params = std::move(match.params);
      res = co_await match.route->handler(req);
    } else if (match.kind == RouteMatch::Kind::method_not_allowed) {
      res = Response::json(405, json_error("Method Not Allowed"));
      res.headers.set("Allow", match.allow);
    } else if (req.path.starts_with("/api/") || req.path == "/api" || req.path == "/health" ||
               req.path == "/metrics" || req.path == "/favicon.ico") {
      res = Response::json(404, json_error("Not Found"));
    } else if (req.method == "GET" || req.method == "HEAD") {
      res = server_->ui.serve(req);
    } else {
      res = Response::json(405, json_error("Method Not Allowed"));
      res.headers.set("Allow", "GET, HEAD");
    }
  } catch (const std::exception& e) {
    server_->policy.failed(req, e);
    res = Response::json(500, json_error("Internal Server Error"));
  }
  server_->policy.after(req, res);
  if (streaming_body) {
    req.body_reader = nullptr;
    if (streaming_body->timed_out()) {
      co_await refuse_late_body(req, started);
      co_return Handled{};
    }
    if (streaming_body->connection_failed()) {
      // The client went away or stalled mid-body: nothing can be answered.
      server_->policy.completed(req, 0, std::chrono::steady_clock::now() - started);
      co_return Handled{};
    }
    body_unread = !streaming_body->finished();
  }

  if (res.sse) {
    // The body was parsed by the handler; the stream needs only the request line and headers.
    std::string().swap(req.body);
    co_return Handled{false, std::make_unique<PendingSse>(PendingSse{std::move(req), std::move(res)})};
  }
  const bool keep = keep_alive_requested && !body_unread && !res.close && !closing_;
  co_await write_response(req, res, keep);
  server_->policy.completed(req, res.status, std::chrono::steady_clock::now() - started);
  if (streaming_body && body_unread) co_await drain_before_close();
  co_return Handled{keep, nullptr};
}

awaitable<void> Session::drain_before_close() {
  boost::system::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  std::array<char, 16384> discard{};
  std::size_t total = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (total < 8 * 1024 * 1024 && std::chrono::steady_clock::now() < deadline) {
    stream_.expires_at(deadline);
    auto [rec, n] = co_await stream_.async_read_some(asio::buffer(discard), as_tuple_awaitable);
    if (rec) break;
    total += n;
  }
  stream_.expires_never();
}

awaitable<void> Session::write_response(Request& req, Response& res, bool keep_alive) {
  const auto status = static_cast<http::status>(res.status);
  const bool no_body = req.is_head() || res.status == 204 || res.status == 304 || res.status < 200;
  const std::string_view body = res.static_body ? *res.static_body : std::string_view(res.body);
  http::response<http::empty_body> head{status, 11};
  for (const auto& [k, v] : res.headers.all()) head.insert(k, v);
  head.keep_alive(keep_alive);
  // An HTTP/1.0 client closes unless told otherwise (it asked with "Connection: keep-alive").
  if (keep_alive && http10_) head.set(http::field::connection, "keep-alive");
  if (res.status != 204 && res.status != 304) head.content_length(body.size());
  stream_.expires_after(server_->options.write_timeout);
  http::response_serializer<http::empty_body> sr{head};
  co_await http::async_write_header(stream_, sr, use_awaitable);
  if (!no_body && !body.empty()) {
    co_await asio::async_write(stream_, asio::buffer(body.data(), body.size()), use_awaitable);
  }
  stream_.expires_never();
}

namespace {

// Writes SSE bytes: one HTTP chunk, or the bytes as they are on a close-delimited (HTTP/1.0) response. Most
// writes fit the socket buffer and complete at once without an asynchronous operation or a timer; only a
// client that is not reading makes the rest wait, up to `timeout`.
awaitable<bool> write_frame(tcp::socket& socket, std::string_view data, std::chrono::milliseconds timeout,
                            bool chunked) {
  std::string framed;
  if (chunked) {
    char size_line[24];
    const int n = std::snprintf(size_line, sizeof size_line, "%zx\r\n", data.size());
    framed.reserve(static_cast<std::size_t>(n) + data.size() + 2);
    framed.append(size_line, static_cast<std::size_t>(n)).append(data).append("\r\n");
  }
  const std::string_view chunk = chunked ? std::string_view(framed) : data;
  std::size_t done = 0;
  boost::system::error_code ec;
  while (done < chunk.size()) {
    const auto wrote = socket.write_some(asio::buffer(chunk.data() + done, chunk.size() - done), ec);
    done += wrote;
    if (ec) break;
  }
  if (done == chunk.size()) co_return true;
  if (ec != asio::error::would_block && ec != asio::error::try_again) co_return false;
  asio::steady_timer timer(socket.get_executor());
  timer.expires_after(timeout);
  const auto rest = asio::buffer(chunk.data() + done, chunk.size() - done);
  auto result =
      co_await (asio::async_write(socket, rest, as_tuple_awaitable) || timer.async_wait(as_tuple_awaitable));
  if (result.index() == 1) co_return false;  // the client stopped reading
  auto [wec, written] = std::get<0>(result);
  co_return !wec;
}

}  // namespace

// The SSE sink: a bounded channel between the producing handler and the writer below. While the writer waits
// with nothing queued, a frame is written at once by the producer itself: it then goes out before whatever
// the producer does next (the rest of an upstream read, storing the answer), and without the writer's
// wake-up. What arrives while the writer is busy is queued and merged into its next write.
class ChannelSink final : public SseSink {
 public:
  using Channel = asio::experimental::channel<void(boost::system::error_code, std::string)>;
  ChannelSink(tcp::socket& socket, std::size_t capacity, std::chrono::milliseconds write_timeout,
              bool chunked_body, RequestPolicy& policy)
      : channel(socket.get_executor(), capacity),
        chunked(chunked_body),
        socket_(socket),
        write_timeout_(write_timeout),
        policy_(policy) {}

  awaitable<bool> send(std::string frame) override {
    if (gone || frame.empty()) co_return !gone;
    policy_.filter_sse_frame(frame);
    if (writer_waiting && !direct_writing) {
      // Nothing is queued (the writer takes everything before it waits), so the order is kept.
      direct_writing = true;
      const bool ok = co_await write_frame(socket_, frame, write_timeout_, chunked);
      direct_writing = false;
      if (!ok) mark_gone();
      co_return !gone;
    }
    // Room in the queue: no suspension (try_send leaves `frame` untouched when it fails).
    if (channel.try_send(boost::system::error_code{}, std::move(frame))) co_return !gone;
    auto [ec] =
        co_await channel.async_send(boost::system::error_code{}, std::move(frame), as_tuple_awaitable);
    co_return !ec && !gone;
  }
  [[nodiscard]] bool client_gone() const override { return gone; }
  CancelSignal& cancellation() override { return cancel; }

  // The client is gone: unblock a waiting producer and tell its upstream work to stop.
  void mark_gone() {
    if (gone) return;
    gone = true;
    channel.close();
    cancel.cancel();
  }

  Channel channel;
  bool gone = false;
  CancelSignal cancel;
  // The writer waits for a frame with nothing queued (also before it first runs: nothing is queued then).
  bool writer_waiting = true;
  bool direct_writing = false;  // a frame written by send() has not gone out completely yet
  const bool chunked;           // false for an HTTP/1.0 client: the body ends when the connection closes

 private:
  tcp::socket& socket_;
  std::chrono::milliseconds write_timeout_;
  RequestPolicy& policy_;
};

namespace {

awaitable<void> sse_produce(Response& res, ChannelSink& sink) {
  co_await res.sse(sink);
  // The empty frame marks the end of the stream.
  if (!sink.gone)
    co_await sink.channel.async_send(boost::system::error_code{}, std::string(), as_tuple_awaitable);
}

awaitable<void> sse_write(tcp::socket& socket, ChannelSink& sink, std::chrono::milliseconds keepalive,
                          std::chrono::milliseconds write_timeout) {
  // Synchronous writes below return would_block instead of blocking the thread.
  boost::system::error_code nb_ec;
  socket.non_blocking(true, nb_ec);
  asio::steady_timer ping(socket.get_executor());
  struct PingWait {
    asio::cancellation_signal signal;
    std::uint64_t generation = 0;
  };
  const auto wait = std::make_shared<PingWait>();  // shared with the timer's handler, which may run later
  auto next_ping = std::chrono::steady_clock::now() + keepalive;
  const auto ping_frame = [] {
    return ": ping " + format_iso_utc_z(std::chrono::system_clock::now(), 3) + "\n\n";
  };
  for (;;) {
    std::string batch;
    bool done = false;
    const auto take = [&](boost::system::error_code rec, std::string more) {
      if (rec || more.empty()) {
        done = true;
      } else {
        batch += more;
      }
    };
    // What is already queued is merged into one write without waiting.
    while (!done && sink.channel.try_receive(take)) {
    }
    if (batch.empty() && !done) {
      // Wait for a frame or the keep-alive time, whichever comes first: the timer's handler cancels the
      // receive. (Not `receive || timer`: that parallel group would keep two spawned coroutines and an
      // operator frame alive for every waiting stream, ~2 KB each.)
      ping.expires_at(next_ping);
      const auto generation = ++wait->generation;
      ping.async_wait([wait, generation](boost::system::error_code ec) {
        if (ec || wait->generation != generation) return;  // cancelled, or a wait that already ended
        wait->signal.emit(asio::cancellation_type::terminal);
      });
      sink.writer_waiting = true;
      auto [ec, frame] = co_await sink.channel.async_receive(
          asio::bind_cancellation_slot(wait->signal.slot(), as_tuple_awaitable));
      sink.writer_waiting = false;
      ++wait->generation;  // a timer handler already queued does nothing now
      ping.cancel();
      if (ec == asio::experimental::error::channel_cancelled) {
        // A frame that send() is still writing is not interrupted; the ping waits for the next turn.
        if (!sink.direct_writing) batch = ping_frame();
        next_ping = std::chrono::steady_clock::now() + keepalive;
      } else {
        take(ec, std::move(frame));
        while (!done && sink.channel.try_receive(take)) {
        }
      }
    } else if (std::chrono::steady_clock::now() >= next_ping) {
      // A stream that never waits still gets its keep-alive comments.
      batch += ping_frame();
      next_ping = std::chrono::steady_clock::now() + keepalive;
    }
    if (!batch.empty() && !co_await write_frame(socket, batch, write_timeout, sink.chunked)) {
      sink.mark_gone();
      co_return;
    }
    if (done) break;
  }
  // No end marker for a client that is gone, or while send() still writes a frame; none on a close-delimited
  // body either.
  if (sink.gone || sink.direct_writing || !sink.chunked) co_return;
  boost::system::error_code ec;
  asio::steady_timer timer(socket.get_executor());
  timer.expires_after(write_timeout);
  co_await (asio::async_write(socket, asio::buffer("0\r\n\r\n", 5), as_tuple_awaitable) ||
            timer.async_wait(as_tuple_awaitable));
}

// Reads and drops what the client has sent (the socket is non-blocking); false once the client has closed its
// side or the connection failed.
bool drop_client_input(tcp::socket& socket) {
  std::array<char, 512> discard;  // NOLINT: dropped bytes
  for (;;) {
    boost::system::error_code ec;
    socket.read_some(asio::buffer(discard), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) return true;
    if (ec) return false;
  }
}

// Watches the client's side of an SSE stream with plain completion handlers (no coroutine frame per stream):
// what the client sends is dropped; when it closes its side, the connection fails or the socket is closed
// (shutdown), the sink is marked gone and a write waiting for the client ends. `sink` is reset by the stream
// when it ends; a handler that runs after that does nothing.
struct ClientWatch {
  ChannelSink* sink = nullptr;
};

void watch_client(tcp::socket& socket, std::shared_ptr<ClientWatch> watch) {
  socket.async_wait(tcp::socket::wait_read, [&socket, watch](boost::system::error_code ec) {
    if (!watch->sink) return;  // the stream ended (and the socket may be gone)
    if (!ec && drop_client_input(socket)) {
      watch_client(socket, watch);
      return;
    }
    watch->sink->mark_gone();
    boost::system::error_code ignored;
    socket.cancel(ignored);
  });
}

// Counts the open SSE streams. When the last stream of a large burst ends, the heap is trimmed: glibc keeps
// what the burst freed in its arenas, and the process would otherwise stay at the burst's peak.
class OpenStream {
 public:
  OpenStream() {
    const int n = ++open_;
    int peak = burst_peak_.load();
    while (n > peak && !burst_peak_.compare_exchange_weak(peak, n)) {
    }
  }
  ~OpenStream() {
    if (--open_ == 0 && burst_peak_.exchange(0) >= kTrimAfter) {
      // On a thread of its own: trimming walks the whole heap.
      std::thread([] { malloc_trim(0); }).detach();
    }
  }
  OpenStream(const OpenStream&) = delete;
  OpenStream& operator=(const OpenStream&) = delete;

 private:
  static constexpr int kTrimAfter = 64;
  static inline std::atomic<int> open_{0};
  static inline std::atomic<int> burst_peak_{0};
};

}  // namespace

awaitable<void> Session::write_sse_head(const Response& res) {
  http::response<http::empty_body> head{http::status::ok, 11};
  for (const auto& [k, v] : res.headers.all()) head.insert(k, v);
  if (!res.headers.has("Content-Type"))
    head.set(http::field::content_type, "text/event-stream; charset=utf-8");
  if (!res.headers.has("Cache-Control")) head.set(http::field::cache_control, "no-store");
  head.set("X-Accel-Buffering", "no");
  // HTTP/1.0 has no chunked encoding: its body ends when the connection closes (Connection: close either
  // way).
  head.chunked(!http10_);
  head.keep_alive(false);
  stream_.expires_after(server_->options.write_timeout);
  http::response_serializer<http::empty_body> sr{head};
  co_await http::async_write_header(stream_, sr, use_awaitable);
  stream_.expires_never();
}

awaitable<void> Session::run_sse(Request& req, Response& res) {
  const auto started = std::chrono::steady_clock::now();
  const OpenStream open_stream;
  // In a coroutine of its own: the header and its serializer are not kept for the length of the stream.
  co_await write_sse_head(res);
  auto& socket = stream_.socket();
  // Frames are written with non-blocking write_some calls (by the writer, or by send() when it is idle).
  boost::system::error_code nb_ec;
  socket.non_blocking(true, nb_ec);
  ChannelSink sink(socket, server_->options.sse_queue_frames, server_->options.write_timeout, !http10_,
                   server_->policy);
  // The producer runs in a coroutine of its own and the writer in this one; the client is watched by plain
  // handlers. The producer is never cancelled by Asio: when the client leaves, the watcher fires the sink's
  // cancel signal and the producer winds down itself (storing what it must), while the writer stops at once.
  // (Not `produce && (write || watch)`: those parallel groups cost ~3 KB for every open stream.)
  auto watch = std::make_shared<ClientWatch>();
  watch->sink = &sink;
  watch_client(socket, watch);
  struct Produced {
    bool done = false;
    std::exception_ptr error;
    asio::steady_timer* waiter = nullptr;
  };
  auto produced = std::make_shared<Produced>();
  asio::co_spawn(socket.get_executor(), sse_produce(res, sink), [produced, &sink](std::exception_ptr e) {
    produced->done = true;
    produced->error = e;
    if (e) sink.channel.close();  // the writer ends the stream instead of waiting for frames
    if (produced->waiter) produced->waiter->cancel();
  });
  std::exception_ptr write_error;
  try {
    co_await sse_write(socket, sink, server_->options.sse_keepalive, server_->options.write_timeout);
  } catch (...) {
    write_error = std::current_exception();
    sink.mark_gone();  // the producer must not wait for a writer that is gone
  }
  // The producer uses `res` and `sink`, which live in this frame: it always finishes first.
  if (!produced->done) {
    asio::steady_timer until_produced(socket.get_executor(), asio::steady_timer::time_point::max());
    produced->waiter = &until_produced;
    co_await until_produced.async_wait(as_tuple_awaitable);
    produced->waiter = nullptr;
  }
  watch->sink = nullptr;
  boost::system::error_code ignored;
  socket.cancel(ignored);  // the watcher's wait
  if (write_error) std::rethrow_exception(write_error);
  if (produced->error) std::rethrow_exception(produced->error);
  if (sink.gone) server_->policy.client_left(req);
  server_->policy.completed(req, 200, std::chrono::steady_clock::now() - started);
}

namespace {

// Accept failures that mean "no descriptor or memory for a new socket right now": retrying at once would
// spin, since the waiting client stays in the backlog and fails the next accept the same way.
bool out_of_descriptors(const boost::system::error_code& ec) {
  namespace errc = boost::system::errc;
  return ec == errc::too_many_files_open || ec == errc::too_many_files_open_in_system ||
         ec == errc::no_buffer_space || ec == errc::not_enough_memory;
}

// At most one line a minute for a condition that may repeat for every client.
bool log_due(std::chrono::steady_clock::time_point& last) {
  const auto now = std::chrono::steady_clock::now();
  if (last != std::chrono::steady_clock::time_point{} && now - last < std::chrono::minutes(1)) return false;
  last = now;
  return true;
}

}  // namespace

awaitable<void> HttpServer::Impl::accept_loop() {
  auto self = shared_from_this();
  constexpr std::chrono::milliseconds kFirstBackoff{10};
  constexpr std::chrono::milliseconds kMaxBackoff{1000};
  std::chrono::milliseconds backoff{0};
  std::chrono::steady_clock::time_point full_logged{};
  std::chrono::steady_clock::time_point descriptors_logged{};
  for (;;) {
    const auto seen = limit.changes();
    if (limit.full()) {
      // Room is made only for a client that is actually waiting: until then idle connections stay open.
      auto [wec] = co_await acceptor.async_wait(tcp::acceptor::wait_read, as_tuple_awaitable);
      if (wec || !acceptor.is_open()) co_return;
      if (limit.changes() != seen) continue;  // a slot may have freed meanwhile
      if (!limit.evict_oldest_idle() && log_due(full_logged)) {
        log::warn(
            "Connection limit of {} reached and no connection is idle: new clients wait until one closes "
            "(PARLEY_MAX_CONNECTIONS)",
            limit.max_open());
      }
      co_await wait_for_change(seen, std::chrono::milliseconds::max());
      continue;
    }
    auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(ioc), as_tuple_awaitable);
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      if (out_of_descriptors(ec)) {
        // Keep serving the connections we have; try again when one closes (an idle one is closed for the
        // waiting client) or after a back-off.
        backoff = backoff.count() == 0 ? kFirstBackoff : std::min(backoff * 2, kMaxBackoff);
        if (log_due(descriptors_logged)) {
          log::warn(
              "Cannot accept a connection ({}) with {} open: backing off. Raise the open-files limit (ulimit "
              "-n) or lower PARLEY_MAX_CONNECTIONS",
              ec.message(), limit.open());
        }
        limit.evict_oldest_idle();
        co_await wait_for_change(seen, backoff);
      }
      continue;  // otherwise (e.g. the client already reset the connection) the next client
    }
    backoff = std::chrono::milliseconds(0);
    socket.set_option(tcp::no_delay(true), ec);
    auto session = std::make_shared<Session>(std::move(socket), self);
    {
      std::lock_guard lock(mutex);
      if (stopping) continue;
      sessions.insert(session);
    }
    limit.opened();
    auto executor = session->executor();
    asio::co_spawn(executor, session->run(), asio::detached);
  }
}

awaitable<void> HttpServer::Impl::wait_for_change(std::uint64_t seen, std::chrono::milliseconds timeout) {
  if (!limit.arm_wait(seen)) co_return;  // it changed already
  if (timeout == std::chrono::milliseconds::max()) {
    change.expires_at(asio::steady_timer::time_point::max());
  } else {
    change.expires_after(timeout);
  }
  co_await change.async_wait(as_tuple_awaitable);
}

void HttpServer::Impl::remove(const std::shared_ptr<Session>& s) {
  limit.closed(*s);
  std::lock_guard lock(mutex);
  sessions.erase(s);
  if (stopping && sessions.empty() && on_stopped) {
    auto cb = std::move(on_stopped);
    on_stopped = nullptr;
    asio::post(ioc, std::move(cb));
  }
}

HttpServer::HttpServer(asio::io_context& ioc, ServerOptions options, const Router& router,
                       const StaticFiles& ui, RequestPolicy& policy)
    : impl_(std::make_shared<Impl>(ioc, std::move(options), router, ui, policy)) {}

HttpServer::~HttpServer() = default;

boost::system::error_code HttpServer::listen() {
  boost::system::error_code ec;
  auto address =
      asio::ip::make_address(impl_->options.host == "localhost" ? "127.0.0.1" : impl_->options.host, ec);
  if (ec) return ec;
  tcp::endpoint ep(address, impl_->options.port);
  impl_->acceptor.open(ep.protocol(), ec);
  if (ec) return ec;
  impl_->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  impl_->acceptor.bind(ep, ec);
  if (ec) return ec;
  impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  return ec;
}

std::uint16_t HttpServer::port() const {
  boost::system::error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

void HttpServer::start() {
  impl_->limit.on_change([weak = std::weak_ptr<Impl>(impl_)] {
    if (auto impl = weak.lock()) asio::post(impl->change.get_executor(), [impl] { impl->change.cancel(); });
  });
  asio::co_spawn(impl_->acceptor.get_executor(), impl_->accept_loop(), asio::detached);
}

std::size_t HttpServer::max_connections() const {
  return impl_->limit.max_open();
}

void HttpServer::shutdown(std::function<void()> done) {
  auto impl = impl_;
  asio::post(impl->acceptor.get_executor(), [impl] {
    boost::system::error_code ec;
    impl->acceptor.close(ec);
    impl->change.cancel();  // an accept loop waiting for room
  });
  std::vector<std::shared_ptr<Session>> current;
  {
    std::lock_guard lock(impl->mutex);
    impl->stopping = true;
    current.assign(impl->sessions.begin(), impl->sessions.end());
    if (current.empty()) {
      asio::post(impl->ioc, std::move(done));
      return;
    }
    impl->on_stopped = std::move(done);
  }
  for (auto& s : current) s->close_if_idle();
  auto timer = std::make_shared<asio::steady_timer>(impl->ioc, impl->options.shutdown_grace);
  timer->async_wait([impl, timer](boost::system::error_code) {
    std::vector<std::shared_ptr<Session>> left;
    {
      std::lock_guard lock(impl->mutex);
      left.assign(impl->sessions.begin(), impl->sessions.end());
    }
    for (auto& s : left) s->force_close();
  });
}

}  // namespace parley::net
