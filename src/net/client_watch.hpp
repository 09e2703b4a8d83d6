// Watches the client's side of an SSE stream with plain completion handlers (no coroutine frame per stream),
// so that a client that leaves is seen at once while the stream waits for its producer, without reading what
// it sends (the connection may serve a next request). Private to src/net/.
#pragma once

#include <poll.h>
#include <sys/socket.h>
#include <array>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <chrono>
#include <memory>

#include "core/cancel_signal.hpp"

#include "net/sse_channel_sink.hpp"

namespace parley::net {

// Sockets the watch can peek at (the test connections of the unit tests are not).
template <class Socket>
concept PeekableSocket = requires(Socket& s) {
  s.native_handle();
};

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

// The client's side has ended (FIN, reset or error) even if bytes it sent before wait unread.
inline bool peer_hung_up(int fd) {
  pollfd pfd{fd, POLLRDHUP, 0};
  return ::poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

// What the watch's handlers share with the stream. `sink` is reset by the stream when it ends; a handler that
// runs after that does nothing.
template <class Socket>
struct ClientWatch {
  ChannelSink<Socket>* sink = nullptr;
  // Made only when the client sent something during the stream (see watch_client).
  std::unique_ptr<boost::asio::steady_timer> poll;
};

// The client left (or the connection failed): the sink is marked gone and a write waiting for it ends.
template <class Socket>
void stream_client_gone(Socket& socket, ClientWatch<Socket>& watch) {
  watch.sink->mark_gone();
  boost::system::error_code ignored;
  socket.cancel(ignored);
}

// Bytes wait unread (a next request sent before the stream ended, or over TLS an alert): readiness says
// nothing more, so the end of the client's side is looked for every 50 ms until the stream ends.
template <class Socket>
void poll_stream_client(Socket& socket, std::shared_ptr<ClientWatch<Socket>> watch) {
  watch->poll->expires_after(std::chrono::milliseconds(50));
  watch->poll->async_wait([&socket, watch](boost::system::error_code ec) {
    if (!watch->sink || ec) return;  // the stream ended (and the socket may be gone)
    if (peer_hung_up(socket.native_handle())) {
      stream_client_gone(socket, *watch);
      return;
    }
    poll_stream_client(socket, watch);
  });
}

// Watches the client while its SSE stream runs, reading nothing: what it sends is left for the session (the
// next request on a kept-alive connection). A peek tells a closed connection (end of file, reset) from bytes
// sent; when it closes its side, the connection fails or the socket is closed (shutdown), the client is gone.
// (A socket that cannot be peeked at has what arrives read and dropped; its connection is not reused.)
template <class Socket>
void watch_client(Socket& socket, std::shared_ptr<ClientWatch<Socket>> watch) {
  socket.async_wait(boost::asio::socket_base::wait_read, [&socket, watch](boost::system::error_code ec) {
    if (!watch->sink) return;  // the stream ended (and the socket may be gone)
    if constexpr (!PeekableSocket<Socket>) {
      if (!ec && drop_client_input(socket)) {
        watch_client(socket, watch);
        return;
      }
    } else if (!ec) {
      char byte = 0;
      const auto n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        watch_client(socket, watch);
        return;
      }
      if (n > 0 && !peer_hung_up(socket.native_handle())) {
        watch->poll = std::make_unique<boost::asio::steady_timer>(socket.get_executor());
        poll_stream_client(socket, watch);
        return;
      }
    }
    stream_client_gone(socket, *watch);
  });
}

// While a handler runs: whether the client hung up. A peek tells a closed connection (end of file, reset)
// from bytes sent before: a pipelined next request, which is left for the session to read, or over TLS an
// alert; then the end of the client's side is polled for (poll_handler_client).
struct HandlerClientWatch {
  CancelSignal signal;
  bool active = true;
};

// Unread bytes wait on the socket (a pipelined request, or over TLS the close_notify alert a client sends
// before it closes): readiness says nothing more, so the end of the client's side is looked for every 50 ms
// while the handler runs.
template <class Socket>
void poll_handler_client(Socket& socket, std::shared_ptr<HandlerClientWatch> watch,
                         std::shared_ptr<boost::asio::steady_timer> timer) {
  timer->expires_after(std::chrono::milliseconds(50));
  timer->async_wait([&socket, watch, timer](boost::system::error_code ec) {
    if (!watch->active || ec) return;  // (the socket may be gone once the handler has ended)
    if (peer_hung_up(socket.native_handle())) {
      watch->signal.cancel();
      return;
    }
    poll_handler_client(socket, watch, timer);
  });
}

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
    if (n <= 0 || peer_hung_up(socket.native_handle())) {
      watch->signal.cancel();  // closed or reset
      return;
    }
    poll_handler_client(socket, watch, std::make_shared<boost::asio::steady_timer>(socket.get_executor()));
  });
}

}  // namespace parley::net
