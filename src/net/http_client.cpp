#include "net/http_client.hpp"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/url/parse.hpp>
#include <cstdlib>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace parley::net {

namespace ssl = asio::ssl;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using asio::awaitable;
constexpr auto as_tuple_awaitable = asio::as_tuple(asio::use_awaitable);

namespace {

struct Target {
  bool tls = false;
  std::string host;
  std::string port;
  std::string path_and_query;
  [[nodiscard]] std::string key() const { return (tls ? "https://" : "http://") + host + ":" + port; }
};

std::optional<Target> parse_target(const std::string& url) {
  auto u = boost::urls::parse_absolute_uri(url);
  if (!u) return std::nullopt;
  Target t;
  if (u->scheme() == "https") {
    t.tls = true;
  } else if (u->scheme() != "http") {
    return std::nullopt;
  }
  t.host = u->encoded_host().decode();
  if (t.host.empty()) return std::nullopt;
  if (t.host.size() > 2 && t.host.front() == '[') t.host = t.host.substr(1, t.host.size() - 2);
  t.port = u->has_port() ? std::string(u->port()) : (t.tls ? "443" : "80");
  t.path_and_query = std::string(u->encoded_path());
  if (t.path_and_query.empty()) t.path_and_query = "/";
  if (u->has_query()) t.path_and_query += "?" + std::string(u->encoded_query());
  return t;
}

std::string readable(const boost::system::error_code& ec) {
  if (ec == asio::error::connection_refused) return "connection refused";
  if (ec == asio::error::connection_reset) return "connection reset";
  if (ec == asio::error::host_not_found || ec == asio::error::host_not_found_try_again)
    return "host not found";
  if (ec == asio::error::network_unreachable) return "network unreachable";
  if (ec.category() == asio::error::get_ssl_category() ||
      ec.category() == ssl::error::get_stream_category()) {
    return "TLS failure (" + ec.message() + ")";
  }
  return ec.message();
}

bool header_value_ok(std::string_view v) {
  return v.find_first_of("\r\n") == std::string_view::npos;
}

}  // namespace

// One TCP (optionally TLS) connection. The TLS state (an SSL object with its BIO buffers, ~35 KB) exists
// only for https targets: with thousands of open streams to a plain-HTTP upstream it would dominate memory.
struct Connection : std::enable_shared_from_this<Connection> {
  // `ctx` is null for plain-HTTP targets and never for https ones.
  Connection(asio::any_io_executor ex, ssl::context* ctx, Target t)
      : target(std::move(t)), sock(ex), watchdog(ex) {
    if (target.tls) tls_stream.emplace(sock, *ctx);
  }

  Target target;
  tcp::socket sock;
  std::optional<ssl::stream<tcp::socket&>> tls_stream;
  asio::steady_timer watchdog;
  boost::beast::flat_buffer input;
  bool timed_out = false;
  bool cancelled = false;
  std::chrono::steady_clock::time_point idle_since;

  tcp::socket& socket() { return sock; }
  void close() {
    boost::system::error_code ec;
    socket().shutdown(tcp::socket::shutdown_both, ec);
    socket().close(ec);
  }
  // Closes the socket when `d` passes without disarm(): every pending operation then fails at once.
  void arm(std::chrono::milliseconds d) {
    watchdog.expires_after(d);
    watchdog.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      if (ec) return;
      if (auto self = weak.lock()) {
        self->timed_out = true;
        self->close();
      }
    });
  }
  void disarm() { watchdog.cancel(); }

  // Reads what has arrived into `input` (up to kReadSize), waiting when nothing has. On a plain TCP
  // connection the wait holds no buffer (an idle stream keeps no 4 KB block): readiness first, then a
  // non-blocking read.
  awaitable<std::tuple<boost::system::error_code, std::size_t>> read_more() {
    if (tls_stream) {
      auto [ec, n] = co_await tls_stream->async_read_some(input.prepare(kReadSize), as_tuple_awaitable);
      input.commit(n);
      co_return std::tuple<boost::system::error_code, std::size_t>{ec, n};
    }
    for (;;) {
      boost::system::error_code ec;
      if (!sock.non_blocking()) sock.non_blocking(true, ec);
      const std::size_t n = ec ? 0 : sock.read_some(input.prepare(kReadSize), ec);
      input.commit(n);
      if (ec != asio::error::would_block && ec != asio::error::try_again)
        co_return std::tuple<boost::system::error_code, std::size_t>{ec, n};
      // What is left (often the CRLF that ends a chunk) is kept in a buffer of its own size.
      if (input.capacity() > input.size()) input.shrink_to_fit();
      auto [wec] = co_await sock.async_wait(tcp::socket::wait_read, as_tuple_awaitable);
      if (wec) co_return std::tuple<boost::system::error_code, std::size_t>{wec, 0};
    }
  }
  static constexpr std::size_t kReadSize = 4096;
  awaitable<std::tuple<boost::system::error_code, std::size_t>> write_all(asio::const_buffer b) {
    if (tls_stream) co_return co_await asio::async_write(*tls_stream, b, as_tuple_awaitable);
    co_return co_await asio::async_write(socket(), b, as_tuple_awaitable);
  }
};

struct HttpClient::Impl {
  explicit Impl(asio::io_context& io) : ioc(io) {}

  // The TLS context is made on the first https connection: loading the system's CA bundle takes 20-70 ms,
  // which start-up (P4) should not pay for a server that may only ever talk plain HTTP.
  ssl::context& tls() {
    std::call_once(tls_once, [this] {
      tls_context.emplace(ssl::context::tls_client);
      tls_context->set_default_verify_paths();
      tls_context->set_verify_mode(ssl::verify_peer);
      tls_context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                               ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    });
    return *tls_context;
  }
  ssl::context* tls_context_for(const Target& target) { return target.tls ? &tls() : nullptr; }

  asio::io_context& ioc;
  std::once_flag tls_once;
  std::optional<ssl::context> tls_context;
  mutable std::mutex mutex;
  std::map<std::string, std::deque<std::shared_ptr<Connection>>> idle;

  static constexpr auto kIdleLimit = std::chrono::seconds(50);

  std::shared_ptr<Connection> take_idle(const std::string& key) {
    std::lock_guard lock(mutex);
    auto it = idle.find(key);
    if (it == idle.end()) return nullptr;
    while (!it->second.empty()) {
      auto c = std::move(it->second.back());
      it->second.pop_back();
      if (std::chrono::steady_clock::now() - c->idle_since < kIdleLimit && c->socket().is_open()) return c;
    }
    return nullptr;
  }
  void give_back(std::shared_ptr<Connection> c) {
    c->idle_since = std::chrono::steady_clock::now();
    std::lock_guard lock(mutex);
    auto& q = idle[c->target.key()];
    if (q.size() < 16) q.push_back(std::move(c));
  }

  using AddressFilter = std::function<bool(const asio::ip::address&)>;

  awaitable<std::optional<TransportError>> connect(Connection& c, std::chrono::milliseconds timeout,
                                                   const AddressFilter* address_allowed = nullptr) {
    c.arm(timeout);
    // An address literal needs no lookup (the resolver would run it on its own thread and back).
    std::vector<tcp::endpoint> endpoints;
    {
      boost::system::error_code lec;
      const auto literal = asio::ip::make_address(c.target.host, lec);
      char* end = nullptr;
      const auto port = std::strtoul(c.target.port.c_str(), &end, 10);
      if (!lec && end && *end == '\0' && port <= 65535) {
        endpoints.emplace_back(literal, static_cast<std::uint16_t>(port));
      }
    }
    if (endpoints.empty()) {
      tcp::resolver resolver(c.socket().get_executor());
      auto [rec, results] = co_await resolver.async_resolve(c.target.host, c.target.port, as_tuple_awaitable);
      if (rec) {
        c.disarm();
        if (c.timed_out) co_return TransportError{TransportError::Kind::timeout, "connect timed out"};
        co_return TransportError{TransportError::Kind::unreachable, readable(rec)};
      }
      for (const auto& entry : results) endpoints.push_back(entry.endpoint());
    }
    if (address_allowed && *address_allowed) {
      for (const auto& endpoint : endpoints) {
        const auto address = endpoint.address();
        if (!(*address_allowed)(address)) {
          c.disarm();
          co_return TransportError{
              TransportError::Kind::unreachable,
              "address " + address.to_string() + " of " + c.target.host + " is not allowed"};
        }
      }
    }
    auto [cec, ep] = co_await asio::async_connect(c.socket(), endpoints, as_tuple_awaitable);
    if (!cec) c.socket().set_option(tcp::no_delay(true), cec);
    if (!cec && c.target.tls) {
      // SSL_set_tlsext_host_name is a macro with a C cast; this is its expansion.
      if (!SSL_ctrl(c.tls_stream->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                    const_cast<char*>(c.target.host.c_str()))) {
        c.disarm();
        co_return TransportError{TransportError::Kind::unreachable, "TLS failure (cannot set SNI)"};
      }
      c.tls_stream->set_verify_callback(ssl::host_name_verification(c.target.host));
      auto [hec] = co_await c.tls_stream->async_handshake(ssl::stream_base::client, as_tuple_awaitable);
      cec = hec;
    }
    c.disarm();
    if (c.timed_out) co_return TransportError{TransportError::Kind::timeout, "connect timed out"};
    if (c.cancelled) co_return TransportError{TransportError::Kind::cancelled, "cancelled"};
    if (cec) co_return TransportError{TransportError::Kind::unreachable, readable(cec)};
    co_return std::nullopt;
  }
};

namespace {

std::string serialize_request(const ClientRequest& r, const Target& t) {
  std::string out = r.method + " " + t.path_and_query + " HTTP/1.1\r\n";
  const bool default_port = (t.tls && t.port == "443") || (!t.tls && t.port == "80");
  const bool v6 = t.host.find(':') != std::string::npos;
  out += "Host: " + (v6 ? "[" + t.host + "]" : t.host) + (default_port ? "" : ":" + t.port) + "\r\n";
  bool has_ua = false;
  for (const auto& [k, v] : r.headers.all()) {
    if (!header_value_ok(k) || !header_value_ok(v) || iequals(k, "Host") || iequals(k, "Content-Length"))
      continue;
    if (iequals(k, "User-Agent")) has_ua = true;
    out += k + ": " + v + "\r\n";
  }
  if (!has_ua) out += "User-Agent: parley/" PARLEY_VERSION "\r\n";
  if (!r.body.empty() || r.method == "POST" || r.method == "PUT" || r.method == "PATCH") {
    out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
  }
  out += "\r\n";
  out += r.body;
  return out;
}

constexpr std::size_t kBodyPiece = 4096;

// Outside the coroutine so that the header copy is not part of its frame.
void report_head(const HttpClient::HeadFn& on_head, int status, const http::response_header<>& head) {
  if (!on_head) return;
  Headers headers;
  for (const auto& f : head) headers.add(std::string(f.name_string()), std::string(f.value()));
  on_head(status, headers);
}

// Parses the rest of the body from what was already received, without waiting for more; the bytes are
// dropped. True when the body is complete (the connection can then be reused).
bool finish_received_body(http::response_parser<http::buffer_body>& parser, Connection& conn) {
  std::array<char, 1024> scratch;  // NOLINT: discarded bytes
  std::size_t budget = 256 * 1024;
  while (!parser.is_done()) {
    boost::system::error_code ec;
    if (conn.input.size() > 0) {
      parser.get().body().data = scratch.data();
      parser.get().body().size = scratch.size();
      const auto used = parser.put(conn.input.data(), ec);
      conn.input.consume(used);
      if (!ec || ec == http::error::need_buffer) continue;
      if (ec != http::error::need_more) return false;
    }
    // More bytes are needed: only those that have already arrived are taken.
    if (conn.tls_stream) return false;  // decrypted bytes are not known without a read that may wait
    const auto available = conn.socket().available(ec);
    if (ec || available == 0 || available > budget) return false;
    budget -= available;
    if (!conn.socket().non_blocking()) conn.socket().non_blocking(true, ec);
    const auto n = ec ? 0 : conn.socket().read_some(conn.input.prepare(available), ec);
    conn.input.commit(n);
    if (ec || n == 0) return false;
  }
  return true;
}

}  // namespace

HttpClient::HttpClient(asio::io_context& ioc) : impl_(std::make_shared<Impl>(ioc)) {}
HttpClient::~HttpClient() = default;

awaitable<ClientResult<int>> HttpClient::stream(ClientRequest request, HeadFn on_head, DataFn on_data,
                                                CancelSignal* cancel) {
  ClientResult<int> result;
  auto target = parse_target(request.url);
  if (!target) {
    result.error = {TransportError::Kind::bad_url, "invalid URL"};
    co_return result;
  }
  auto impl = impl_;
  auto ex = co_await asio::this_coro::executor;
  std::string wire = serialize_request(request, *target);
  std::string().swap(request.body);  // `wire` has it

  const bool isolated = static_cast<bool>(request.address_allowed);
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto conn = isolated ? nullptr : impl->take_idle(target->key());
    const bool reused = conn != nullptr;
    if (!conn) conn = std::make_shared<Connection>(ex, impl->tls_context_for(*target), *target);
    // Cancellation closes the socket (on its own executor), so every pending read fails at once.
    CancelRegistration registration(cancel, [weak = std::weak_ptr<Connection>(conn), ex] {
      asio::post(ex, [weak] {
        if (auto c = weak.lock()) {
          c->cancelled = true;
          c->close();
        }
      });
    });
    if (cancel && cancel->cancelled()) {
      result.error = {TransportError::Kind::cancelled, "cancelled"};
      co_return result;
    }
    if (!reused) {
      if (auto err = co_await impl->connect(*conn, request.connect_timeout, &request.address_allowed)) {
        result.error = *err;
        co_return result;
      }
    }
    conn->arm(request.read_timeout);
    auto [wec, wn] = co_await conn->write_all(asio::buffer(wire));
    http::response_parser<http::buffer_body> parser;
    parser.body_limit(boost::none);
    parser.eager(true);
    bool got_bytes = false;
    boost::system::error_code ec = wec;
    // Header.
    bool need_more = false;  // a header split across reads: the parser takes none of it until it is whole
    while (!ec && !parser.is_header_done()) {
      if (conn->input.size() == 0 || need_more) {
        need_more = false;
        auto [rec, n] = co_await conn->read_more();
        if (n > 0) {
          got_bytes = true;
          conn->arm(request.read_timeout);
        }
        if (rec) {
          ec = rec;
          break;
        }
      }
      parser.get().body().data = nullptr;
      parser.get().body().size = 0;
      boost::system::error_code pec;
      const auto used = parser.put(conn->input.data(), pec);
      conn->input.consume(used);
      if (pec == http::error::need_more) {
        need_more = true;
        continue;
      }
      if (pec && pec != http::error::need_buffer) ec = pec;
    }
    if (ec) {
      conn->disarm();
      conn->close();
      if (reused && !got_bytes && !conn->cancelled && !conn->timed_out)
        continue;  // a stale pooled connection
      if (conn->cancelled) {
        result.error = {TransportError::Kind::cancelled, "cancelled"};
      } else if (conn->timed_out) {
        result.error = {TransportError::Kind::timeout, "no response within the read timeout"};
      } else if (got_bytes) {
        result.error = {TransportError::Kind::disconnected,
                        "malformed or truncated response (" + ec.message() + ")"};
      } else {
        result.error = {TransportError::Kind::unreachable, readable(ec)};
      }
      co_return result;
    }
    const int status = static_cast<int>(parser.get().result_int());
    // The request is answered: no retry needs it any more, and a long stream should not keep it.
    std::string().swap(wire);
    report_head(on_head, status, parser.get().base());

    // Body. The piece buffer exists only while there is data: an idle stream waits without it.
    std::unique_ptr<char[]> out;
    bool stopped = false;
    while (!parser.is_done()) {
      boost::system::error_code pec;
      std::size_t produced = 0;
      if (conn->input.size() > 0) {
        if (!out) out = std::make_unique_for_overwrite<char[]>(kBodyPiece);
        parser.get().body().data = out.get();
        parser.get().body().size = kBodyPiece;
        const auto used = parser.put(conn->input.data(), pec);
        conn->input.consume(used);
        produced = kBodyPiece - parser.get().body().size;
      } else {
        pec = http::error::need_more;
      }
      if (pec == http::error::need_buffer) pec = {};
      if (produced > 0 && on_data) {
        if (!co_await on_data(std::string_view(out.get(), produced))) {
          stopped = true;
          break;
        }
      }
      if (pec == http::error::need_more) {
        out.reset();
        auto [rec, n] = co_await conn->read_more();
        if (n > 0) conn->arm(request.read_timeout);
        if (rec == asio::error::eof || rec == ssl::error::stream_truncated) {
          boost::system::error_code eec;
          parser.put_eof(eec);
          if (eec) {
            ec = rec;
            break;
          }
          continue;
        }
        if (rec) {
          ec = rec;
          break;
        }
      } else if (pec) {
        ec = pec;
        break;
      }
    }
    out.reset();
    conn->disarm();
    // A caller that stopped after the last event it needs (an upstream [DONE]) usually has the end of the
    // body already received: finishing it keeps the connection for the next request.
    if (stopped && !isolated && !ec && !conn->cancelled && finish_received_body(parser, *conn))
      stopped = false;
    if (isolated || stopped || ec || !parser.get().keep_alive() || conn->input.size() > 0 ||
        conn->cancelled) {
      conn->close();
    } else {
      impl->give_back(conn);
    }
    if (conn->cancelled) {
      result.error = {TransportError::Kind::cancelled, "cancelled"};
    } else if (ec && conn->timed_out) {
      result.error = {TransportError::Kind::timeout, "no data within the read timeout"};
    } else if (ec) {
      result.error = {TransportError::Kind::disconnected, "the connection closed before the response ended"};
    } else {
      result.value = status;
    }
    co_return result;
  }
  result.error = {TransportError::Kind::unreachable, "connection failed"};
  co_return result;
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

awaitable<ClientResult<ClientResponse>> HttpClient::fetch(ClientRequest request, CancelSignal* cancel) {
  auto state = std::make_shared<FetchState>();
  state->limit = request.max_body_bytes;
  HeadFn on_head = [state](int status, const Headers& headers) {
    state->response.status = status;
    state->response.headers = headers;
  };
  DataFn on_data = [state](std::string_view data) { return append_body(state, data); };
  auto r = co_await stream(std::move(request), std::move(on_head), std::move(on_data), cancel);
  ClientResult<ClientResponse> out;
  if (state->too_large) {
    out.error = {TransportError::Kind::too_large, "response body too large"};
  } else if (!r) {
    out.error = r.error;
  } else {
    out.value = std::move(state->response);
  }
  co_return out;
}

namespace {
awaitable<void> warm(std::shared_ptr<HttpClient::Impl> impl, Target target) {
  auto ex = co_await asio::this_coro::executor;
  auto conn = std::make_shared<Connection>(ex, impl->tls_context_for(target), target);
  if (!co_await impl->connect(*conn, std::chrono::seconds(10))) impl->give_back(conn);
}
}  // namespace

void HttpClient::prewarm(const std::string& url) {
  auto target = parse_target(url);
  if (!target) return;
  asio::co_spawn(asio::make_strand(impl_->ioc), warm(impl_, *target), asio::detached);
}

}  // namespace parley::net
