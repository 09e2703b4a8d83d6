#include "net/client_connection.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cstdlib>
#include <vector>

#include "net/transport_errors.hpp"

namespace parley::net {

namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using asio::awaitable;
constexpr auto as_tuple_awaitable = asio::as_tuple(asio::use_awaitable);

ClientConnection::ClientConnection(asio::any_io_executor ex, ssl::context* ctx, ClientTarget t)
    : target(std::move(t)), sock(ex), watchdog(ex) {
  if (target.tls) tls_stream = std::make_unique<ssl::stream<tcp::socket&>>(sock, *ctx);
}

void ClientConnection::close() {
  boost::system::error_code ec;
  socket().shutdown(tcp::socket::shutdown_both, ec);
  socket().close(ec);
}

void ClientConnection::arm(std::chrono::milliseconds d) {
  watchdog.expires_after(d);
  watchdog.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    if (ec) return;
    if (auto self = weak.lock()) {
      self->timed_out = true;
      self->close();
    }
  });
}

void ClientConnection::adapt_read_size(std::size_t asked, std::size_t got) {
  read_size = got == asked ? std::min(asked * 2, kMaxReadSize) : kReadSize;
}

bool ClientConnection::try_read(IoResult& out) {
  boost::system::error_code ec;
  if (!sock.non_blocking()) sock.non_blocking(true, ec);
  const std::size_t asked = read_size;
  const std::size_t n = ec ? 0 : sock.read_some(input.prepare(asked), ec);
  input.commit(n);
  if (ec != asio::error::would_block && ec != asio::error::try_again) {
    adapt_read_size(asked, n);
    out = IoResult{ec, n};
    return true;
  }
  // What is left (often the CRLF that ends a chunk) is kept in a buffer of its own size.
  if (input.capacity() > input.size()) input.shrink_to_fit();
  return false;
}

awaitable<ClientConnection::IoResult> ClientConnection::read_more() {
  if (tls_stream) {
    const std::size_t asked = read_size;
    auto [ec, n] = co_await tls_stream->async_read_some(input.prepare(asked), as_tuple_awaitable);
    input.commit(n);
    adapt_read_size(asked, n);
    co_return IoResult{ec, n};
  }
  IoResult out;
  while (!try_read(out)) {
    auto [wec] = co_await sock.async_wait(tcp::socket::wait_read, as_tuple_awaitable);
    if (wec) co_return IoResult{wec, 0};
  }
  co_return out;
}

awaitable<ClientConnection::IoResult> ClientConnection::write_all(asio::const_buffer b) {
  if (tls_stream) co_return co_await asio::async_write(*tls_stream, b, as_tuple_awaitable);
  co_return co_await asio::async_write(socket(), b, as_tuple_awaitable);
}

awaitable<std::optional<TransportError>> connect_client(ClientConnection& c,
                                                        std::chrono::milliseconds timeout,
                                                        const AddressFilter* address_allowed) {
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

}  // namespace parley::net
