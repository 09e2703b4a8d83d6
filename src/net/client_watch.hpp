// Watches the client's side of an SSE stream with plain completion handlers (no coroutine frame per stream),
// so that a client that leaves is seen at once while the stream waits for its producer. Private to src/net/.
#pragma once

#include <sys/socket.h>
#include <array>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/socket_base.hpp>
#include <cerrno>
#include <memory>

#include "core/cancel_signal.hpp"

#include "net/sse_channel_sink.hpp"

namespace parley::net {

// Reads and drops what the client has sent (the socket is non-blocking); false once the client has closed its
// side or the connection failed.
template <class Socket>
bool drop_client_input(Socket& socket) {
  std::array<char, 512> discard;  // NOLINT: dropped bytes
  for (;;) {
    boost::system::error_code ec;
    socket.read_some(boost::asio::buffer(discard), ec);
    if (ec == boost::asio::error::would_block || ec == boost::asio::error::try_again) return true;
    if (ec) return false;
  }
}

// What the watch's handlers share with the stream. `sink` is reset by the stream when it ends; a handler that
// runs after that does nothing.
template <class Socket>
struct ClientWatch {
  ChannelSink<Socket>* sink = nullptr;
};

// What the client sends is dropped; when it closes its side, the connection fails or the socket is closed
// (shutdown), the sink is marked gone and a write waiting for the client ends.
template <class Socket>
void watch_client(Socket& socket, std::shared_ptr<ClientWatch<Socket>> watch) {
  socket.async_wait(boost::asio::socket_base::wait_read, [&socket, watch](boost::system::error_code ec) {
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

// While a handler runs: whether the client hung up. A peek tells a closed connection (end of file, reset)
// from a pipelined next request, which is left for the session to read (the watch then ends).
struct HandlerClientWatch {
  CancelSignal signal;
  bool active = true;
};

// Sockets the watch can peek at (the test connections of the unit tests are not).
template <class Socket>
concept PeekableSocket = requires(Socket& s) {
  s.native_handle();
};

template <class Socket>
void watch_handler_client(Socket& socket, std::shared_ptr<HandlerClientWatch> watch) {
  socket.async_wait(boost::asio::socket_base::wait_read, [&socket, watch](boost::system::error_code ec) {
    if (!watch->active || ec) return;
    char byte = 0;
    const auto n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      watch_handler_client(socket, watch);
      return;
    }
    if (n <= 0) watch->signal.cancel();  // closed or reset
  });
}

}  // namespace parley::net
