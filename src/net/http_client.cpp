#include "net/http_client.hpp"

#include <boost/asio/async_result.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/error.hpp>
#include <memory>

#include "core/unique_handler.hpp"
#include "net/client_exchange.hpp"
#include "net/client_target.hpp"
#include "net/connection_pool.hpp"
#include "net/transport_errors.hpp"

namespace parley::net {

namespace http = boost::beast::http;
using asio::awaitable;

struct HttpClient::Impl {
  explicit Impl(asio::io_context& io) : ioc(io) {}
  asio::io_context& ioc;
  ConnectionPool pool;
};

namespace {

// Cancellation closes the socket (on its own executor), so every pending read fails at once.
std::function<void()> close_on_cancel(const std::shared_ptr<ClientConnection>& conn,
                                      asio::any_io_executor ex) {
  return [weak = std::weak_ptr<ClientConnection>(conn), ex] {
    asio::post(ex, [weak] {
      if (auto c = weak.lock()) {
        c->cancelled = true;
        c->close();
      }
    });
  };
}

template <class T>
Result<T, TransportError> failed(TransportError error) {
  return Result<T, TransportError>(boost::system::in_place_error, std::move(error));
}

}  // namespace

HttpClient::HttpClient(asio::io_context& ioc) : impl_(std::make_shared<Impl>(ioc)) {}
HttpClient::~HttpClient() = default;

namespace {

using StreamResult = Result<int, TransportError>;

// What opening a stream needs (the request, the head callback): on the heap until the head has come, so that
// the awaiting side keeps none of it for the length of the stream.
struct StreamOpening {
  ClientRequest request;
  HttpClient::HeadFn on_head;
  CancelSignal* cancel = nullptr;
};

// One streamed exchange. It lives on the heap and is driven by callbacks: an open stream keeps no coroutine
// frame of the client (P3), and a piece of the body is read and handed to on_data in the read's completion
// handler. A coroutine runs only while on_data has to wait (its DataStep::later).
struct StreamCall : std::enable_shared_from_this<StreamCall> {
  // The coroutine awaiting the stream. First: destroyed last, after the registration.
  UniqueHandler<void(std::exception_ptr, StreamResult)> waiter;
  std::shared_ptr<HttpClient::Impl> impl;
  asio::any_io_executor ex;  // the caller's: the callbacks run there, as the caller's own awaits would
  std::shared_ptr<ClientConnection> conn;
  std::optional<ResponseParser> parser;
  HttpClient::DataFn on_data;
  std::unique_ptr<char[]> out;  // the piece buffer, only while there is data: an idle stream waits without it
  std::chrono::milliseconds read_timeout{};
  boost::system::error_code ec;
  boost::system::error_code piece_ec;  // how taking the last piece ended (need_more: read on)
  int status = 0;
  bool isolated = false;
  bool keep_alive = false;
  bool stopped = false;  // on_data asked to stop
  // Last: removed first when the call is destroyed without completing (io_context teardown), while what may
  // own the signal (on_data's captures) is still there.
  std::optional<CancelRegistration> registration;

  void complete(std::exception_ptr e, StreamResult r) {
    registration.reset();
    if (!waiter) return;
    // Posted: the caller resumes on its own, not inside the relay's callback or coroutine.
    asio::post(ex, [w = std::move(waiter), e, r = std::move(r)]() mutable { w(e, std::move(r)); });
  }
  void fail(std::exception_ptr e) {
    if (conn) conn->close();
    complete(e, failed<int>({TransportError::Kind::unreachable, "failed"}));
  }
  // A step run from a completion handler: an exception (from on_data) goes to the caller, as from the
  // caller's own await, not out of io_context::run.
  template <class Step>
  void guarded(Step&& step) {
    try {
      step();
    } catch (...) {
      fail(std::current_exception());
    }
  }
  // A read's result: more input, the end of the body (EOF where the body ends there), or the read's error.
  // False when the body ended by an error (`ec`).
  bool take_read(const ClientConnection::IoResult& got) {
    const auto& [rec, n] = got;
    if (n > 0) conn->arm(read_timeout);
    if (rec == asio::error::eof || rec == asio::ssl::error::stream_truncated) {
      boost::system::error_code eec;
      parser->put_eof(eec);
      if (eec) ec = rec;
    } else {
      ec = rec;
    }
    return !ec;
  }
  // The end: the connection goes back to the pool or is closed, and the caller resumes.
  void finish() {
    // A cancel from now on must not close the connection: it may be in the pool, taken by another call.
    registration.reset();
    out.reset();
    conn->disarm();
    // A caller that stopped after the last event it needs (an upstream [DONE]) usually has the end of the
    // body already received: finishing it keeps the connection for the next request.
    if (stopped && !isolated && !ec && !conn->cancelled && finish_received_body(*parser, *conn))
      stopped = false;
    if (isolated || stopped || ec || !keep_alive || conn->input.size() > 0 || conn->cancelled) {
      conn->close();
    } else {
      impl->pool.give_back(conn);
    }
    if (auto error = body_failure(ExchangeEnd{ec, conn->timed_out, conn->cancelled})) {
      complete(nullptr, failed<int>(std::move(*error)));
      return;
    }
    complete(nullptr, StreamResult(status));
  }

  std::optional<awaitable<bool>> relay_until_later();
  void relay();
  bool after_piece();
  void wait_readable();
  void read_tls();
  void await_later(asio::awaitable<bool> later);
};

// Relays what has arrived, reading on while more is there. Returns when the body has ended (the call is
// complete), when a read waits (wait_readable, read_tls), or with on_data's `later` answer, which the caller
// awaits (then it goes on with after_piece).
std::optional<awaitable<bool>> StreamCall::relay_until_later() {
  for (;;) {
    if (parser->is_done()) {
      finish();
      return std::nullopt;
    }
    const auto piece = take_body_piece(*parser, *conn, out);
    piece_ec = piece.ec;
    if (piece.size > 0 && on_data) {
      auto step = on_data(std::string_view(out.get(), piece.size));
      if (step.later) return std::move(step.later);
      if (!step.more) {
        stopped = true;
        finish();
        return std::nullopt;
      }
    }
    if (!after_piece()) return std::nullopt;
  }
}

void StreamCall::relay() {
  if (auto later = relay_until_later()) await_later(std::move(*later));
}

// After a piece: true when the next one can be taken at once; false when the call waits for a read or has
// finished.
bool StreamCall::after_piece() {
  if (piece_ec != http::error::need_more) {
    ec = piece_ec;
    if (ec) finish();
    return !ec;
  }
  out.reset();
  if (conn->tls_stream) {
    read_tls();
    return false;
  }
  ClientConnection::IoResult got;
  if (!conn->try_read(got)) {
    wait_readable();
    return false;
  }
  if (!take_read(got)) {
    finish();
    return false;
  }
  return true;
}

// Awaits on_data's answers for as long as it answers later, reading on in between: in this one coroutine, not
// one more per answer (a `later` that completes without suspending would otherwise nest them, one stack level
// per read that is already there).
awaitable<void> settle_later(std::shared_ptr<StreamCall> call, awaitable<bool> later) {
  for (;;) {
    const bool more = co_await std::move(later);
    if (!more) {
      call->stopped = true;
      call->finish();
      co_return;
    }
    if (!call->after_piece()) co_return;
    auto next = call->relay_until_later();
    if (!next) co_return;
    later = std::move(*next);
  }
}

void StreamCall::await_later(awaitable<bool> later) {
  auto self = shared_from_this();
  asio::co_spawn(ex, settle_later(self, std::move(later)), [self](std::exception_ptr e) {
    if (e) self->fail(e);
  });
}

void StreamCall::wait_readable() {
  auto on_ready = [self = shared_from_this()](boost::system::error_code wec) {
    self->guarded([&] {
      ClientConnection::IoResult got{wec, 0};
      if (!wec && !self->conn->try_read(got)) {
        self->wait_readable();
        return;
      }
      if (!self->take_read(got)) {
        self->finish();
        return;
      }
      self->relay();
    });
  };
  conn->sock.async_wait(asio::ip::tcp::socket::wait_read, asio::bind_executor(ex, std::move(on_ready)));
}

// Over TLS the reads are the TLS stream's (the record layer may have input buffered: no readiness wait).
void StreamCall::read_tls() {
  const std::size_t asked = conn->read_size;
  auto on_read = [self = shared_from_this(), asked](boost::system::error_code rec, std::size_t n) {
    self->guarded([&] {
      self->conn->input.commit(n);
      self->conn->adapt_read_size(asked, n);
      if (!self->take_read({rec, n})) {
        self->finish();
        return;
      }
      self->relay();
    });
  };
  conn->tls_stream->async_read_some(conn->input.prepare(asked), asio::bind_executor(ex, std::move(on_read)));
}

// Connects (or takes a pooled connection), sends the request and reads the head; then the body is relayed
// by StreamCall's callbacks, so that this frame (with the request) ends when the first read waits.
awaitable<void> open_stream(std::shared_ptr<StreamCall> call, std::unique_ptr<StreamOpening> opening) {
  auto& c = *call;
  auto& request = opening->request;
  auto* cancel = opening->cancel;
  auto target = parse_client_target(request.url);
  if (!target) {
    c.complete(nullptr, failed<int>({TransportError::Kind::bad_url, "invalid URL"}));
    co_return;
  }
  const std::string wire = serialize_request(request, *target);
  c.read_timeout = request.read_timeout;
  c.isolated = static_cast<bool>(request.address_allowed);
  for (int attempt = 0; attempt < 2; ++attempt) {
    c.registration.reset();
    c.conn = c.isolated ? nullptr : c.impl->pool.take(target->key());
    const bool reused = c.conn != nullptr;
    if (!c.conn)
      c.conn = std::make_shared<ClientConnection>(c.ex, c.impl->pool.tls_context_for(*target), *target);
    c.registration.emplace(cancel, close_on_cancel(c.conn, c.ex));
    if (cancel && cancel->cancelled()) {
      c.complete(nullptr, failed<int>({TransportError::Kind::cancelled, "cancelled"}));
      co_return;
    }
    c.parser.emplace();
    const auto head = co_await send_and_read_head(*c.conn, reused, request, wire, *c.parser);
    if (head.retry) continue;
    if (head.error) {
      c.complete(nullptr, failed<int>(*head.error));
      co_return;
    }
    c.status = static_cast<int>(c.parser->get().result_int());
    report_head(opening->on_head, c.status, c.parser->get().base());
    // The header fields (~0.7 KB on the heap) are not needed for the body: what decides the connection's
    // reuse is noted, and the fields go for the length of the stream (P3).
    c.keep_alive = c.parser->get().keep_alive();
    c.parser->get().base().clear();
    c.relay();
    co_return;
  }
  c.complete(nullptr, failed<int>({TransportError::Kind::unreachable, "connection failed"}));
}

}  // namespace

// Not a coroutine: the call's state is on the heap (StreamCall), and the caller's side of the wait is the
// use_awaitable initiation alone.
awaitable<Result<int, TransportError>> HttpClient::stream(ClientRequest request, HeadFn on_head,
                                                          DataFn on_data, CancelSignal* cancel) {
  auto call = std::make_shared<StreamCall>();
  call->impl = impl_;
  call->on_data = std::move(on_data);
  auto opening =
      std::make_unique<StreamOpening>(StreamOpening{std::move(request), std::move(on_head), cancel});
  auto init = [call = std::move(call), opening = std::move(opening)](auto handler) mutable {
    // Moved out: this lambda stays in use_awaitable's initiation frame, on the caller's coroutine stack,
    // which the call's waiter owns. A copy kept here would make a cycle that nothing breaks when the
    // io_context is destroyed with the stream pending.
    auto self = std::move(call);
    self->ex = asio::get_associated_executor(handler);
    self->waiter = UniqueHandler<void(std::exception_ptr, StreamResult)>(std::move(handler));
    auto ex = self->ex;
    asio::co_spawn(ex, open_stream(self, std::move(opening)), [self](std::exception_ptr e) {
      if (e) self->fail(e);
    });
  };
  return asio::async_initiate<const asio::use_awaitable_t<>&,
                              void(std::exception_ptr, Result<int, TransportError>)>(std::move(init),
                                                                                     asio::use_awaitable);
}

namespace {

struct FetchState {
  ClientResponse response;
  std::size_t limit = 0;
  bool too_large = false;
};

bool append_body(FetchState& state, std::string_view data) {
  if (state.response.body.size() + data.size() > state.limit) {
    state.too_large = true;
    return false;
  }
  state.response.body.append(data);
  return true;
}

}  // namespace

awaitable<Result<ClientResponse, TransportError>> HttpClient::fetch(ClientRequest request,
                                                                    CancelSignal* cancel) {
  auto state = std::make_shared<FetchState>();
  state->limit = request.max_body_bytes;
  HeadFn on_head = [state](int status, const Headers& headers) {
    state->response.status = status;
    state->response.headers = headers;
  };
  DataFn on_data = [state](std::string_view data) { return DataStep::now(append_body(*state, data)); };
  auto r = co_await stream(std::move(request), std::move(on_head), std::move(on_data), cancel);
  if (state->too_large)
    co_return failed<ClientResponse>({TransportError::Kind::too_large, "response body too large"});
  if (!r) co_return failed<ClientResponse>(r.error());
  co_return std::move(state->response);
}

namespace {

awaitable<void> warm(std::shared_ptr<HttpClient::Impl> impl, ClientTarget target) {
  auto ex = co_await asio::this_coro::executor;
  auto conn = std::make_shared<ClientConnection>(ex, impl->pool.tls_context_for(target), target);
  if (!co_await connect_client(*conn, std::chrono::seconds(10), nullptr)) impl->pool.give_back(conn);
}

}  // namespace

void HttpClient::prewarm(const std::string& url) {
  auto target = parse_client_target(url);
  if (!target) return;
  asio::co_spawn(asio::make_strand(impl_->ioc), warm(impl_, *target), asio::detached);
}

}  // namespace parley::net
