#include "net/http_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/error.hpp>
#include <memory>

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

awaitable<Result<int, TransportError>> HttpClient::stream(ClientRequest request, HeadFn on_head,
                                                          DataFn on_data, CancelSignal* cancel) {
  auto target = parse_client_target(request.url);
  if (!target) co_return failed<int>({TransportError::Kind::bad_url, "invalid URL"});
  auto impl = impl_;
  auto ex = co_await asio::this_coro::executor;
  std::string wire = serialize_request(request, *target);
  // `wire` has the request; what is left of `request` (timeouts, the address policy) lives as long as the
  // stream, so its pieces go now.
  std::string().swap(request.body);
  std::string().swap(request.url);
  request.headers = Headers();

  const bool isolated = static_cast<bool>(request.address_allowed);
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto conn = isolated ? nullptr : impl->pool.take(target->key());
    const bool reused = conn != nullptr;
    if (!conn) conn = std::make_shared<ClientConnection>(ex, impl->pool.tls_context_for(*target), *target);
    CancelRegistration registration(cancel, close_on_cancel(conn, ex));
    if (cancel && cancel->cancelled()) co_return failed<int>({TransportError::Kind::cancelled, "cancelled"});
    ResponseParser parser;
    const auto head = co_await send_and_read_head(*conn, reused, request, wire, parser);
    if (head.retry) continue;
    if (head.error) co_return failed<int>(*head.error);
    const int status = static_cast<int>(parser.get().result_int());
    // The request is answered: no retry needs it any more, and a long stream should not keep it.
    std::string().swap(wire);
    report_head(on_head, status, parser.get().base());
    on_head = nullptr;  // called once: what it holds goes now, not when the stream ends
    // The header fields (~0.7 KB on the heap) are not needed for the body: what decides the connection's
    // reuse is noted, and the fields go for the length of the stream (P3).
    const bool keep_alive = parser.get().keep_alive();
    parser.get().base().clear();

    // The body is relayed here rather than in a coroutine of its own: that would add a frame to every open
    // stream (P3). The piece buffer exists only while there is data: an idle stream waits without it.
    std::unique_ptr<char[]> out;
    bool stopped = false;
    boost::system::error_code ec;
    while (!parser.is_done()) {
      const auto piece = take_body_piece(parser, *conn, out);
      if (piece.size > 0 && on_data && !co_await on_data(std::string_view(out.get(), piece.size))) {
        stopped = true;
        break;
      }
      if (piece.ec != http::error::need_more) {
        ec = piece.ec;
        if (ec) break;
        continue;
      }
      out.reset();
      // On plain TCP the wait is here rather than in read_more's frame (one frame fewer per open stream).
      ClientConnection::IoResult got;
      if (conn->tls_stream) {
        got = co_await conn->read_more();
      } else {
        while (!conn->try_read(got)) {
          auto [wec] = co_await conn->sock.async_wait(asio::ip::tcp::socket::wait_read,
                                                      asio::as_tuple(asio::use_awaitable));
          if (wec) {
            got = ClientConnection::IoResult{wec, 0};
            break;
          }
        }
      }
      auto [rec, n] = got;
      if (n > 0) conn->arm(request.read_timeout);
      if (rec == asio::error::eof || rec == asio::ssl::error::stream_truncated) {
        boost::system::error_code eec;
        parser.put_eof(eec);
        if (eec) ec = rec;
      } else {
        ec = rec;
      }
      if (ec) break;
    }
    out.reset();
    conn->disarm();
    // A caller that stopped after the last event it needs (an upstream [DONE]) usually has the end of the
    // body already received: finishing it keeps the connection for the next request.
    if (stopped && !isolated && !ec && !conn->cancelled && finish_received_body(parser, *conn))
      stopped = false;
    if (isolated || stopped || ec || !keep_alive || conn->input.size() > 0 || conn->cancelled) {
      conn->close();
    } else {
      impl->pool.give_back(conn);
    }
    if (auto error = body_failure(ExchangeEnd{ec, conn->timed_out, conn->cancelled})) {
      co_return failed<int>(std::move(*error));
    }
    co_return Result<int, TransportError>(status);
  }
  co_return failed<int>({TransportError::Kind::unreachable, "connection failed"});
}

namespace {

struct FetchState {
  ClientResponse response;
  std::size_t limit = 0;
  bool too_large = false;
};

awaitable<bool> append_body(std::shared_ptr<FetchState> state, std::string_view data) {
  if (state->response.body.size() + data.size() > state->limit) {
    state->too_large = true;
    co_return false;
  }
  state->response.body.append(data);
  co_return true;
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
  DataFn on_data = [state](std::string_view data) { return append_body(state, data); };
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
