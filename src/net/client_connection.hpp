// One upstream connection of the HTTP client: TCP, with TLS only for https targets; a watchdog that closes it
// when a deadline passes; reads that hold no buffer while they wait; and connecting it (lookup, address
// policy, TLS handshake with host-name verification).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <tuple>

#include "net/client_target.hpp"
#include "net/http_client.hpp"

namespace parley::net {

// The TLS state (an SSL object with its BIO buffers, ~35 KB) exists only for https targets: with thousands of
// open streams to a plain-HTTP upstream it would dominate memory.
struct ClientConnection : std::enable_shared_from_this<ClientConnection> {
  // `ctx` is null for plain-HTTP targets and never for https ones.
  ClientConnection(boost::asio::any_io_executor ex, boost::asio::ssl::context* ctx, ClientTarget t);

  ClientTarget target;
  boost::asio::ip::tcp::socket sock;
  // On the heap, and only for https targets: an SSL stream object is ~360 bytes even before its state.
  std::unique_ptr<boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>> tls_stream;
  boost::asio::steady_timer watchdog;
  boost::beast::flat_buffer input;
  bool timed_out = false;
  bool cancelled = false;
  std::chrono::steady_clock::time_point idle_since;

  boost::asio::ip::tcp::socket& socket() { return sock; }
  void close();
  // Closes the socket when `d` passes without disarm(): every pending operation then fails at once.
  void arm(std::chrono::milliseconds d);
  void disarm() { watchdog.cancel(); }

  using IoResult = std::tuple<boost::system::error_code, std::size_t>;
  // Reads what has arrived into `input` (up to read_size), waiting when nothing has. On a plain TCP
  // connection the wait holds no buffer (an idle stream keeps no 4 KB block): readiness first, then a
  // non-blocking read.
  boost::asio::awaitable<IoResult> read_more();
  // Plain TCP only: read_more without its wait. True with the read's result; false when nothing has arrived
  // (wait for readiness, then try again), so that a caller can wait in its own frame (P3).
  bool try_read(IoResult& out);
  static constexpr std::size_t kReadSize = 4096;
  static constexpr std::size_t kMaxReadSize = 64 * 1024;
  // kReadSize, doubled after each read that filled it up to kMaxReadSize, back to kReadSize after one that
  // did not: a stream that arrives faster than it is read (P2) takes it in few large reads, and a slow one
  // (one chunk a second, P3) never allocates more than it gets.
  std::size_t read_size = kReadSize;
  void adapt_read_size(std::size_t asked, std::size_t got);
  // The size of the body piece buffer of the current read (see take_body_piece).
  std::size_t piece_size = 0;
  boost::asio::awaitable<IoResult> write_all(boost::asio::const_buffer b);
};

using AddressFilter = std::function<bool(const boost::asio::ip::address&)>;

// Resolves (unless the host is an address literal), checks every address against `address_allowed` when
// given, connects and, for https, shakes hands, all within `timeout`. Null on success.
boost::asio::awaitable<std::optional<TransportError>> connect_client(ClientConnection& c,
                                                                     std::chrono::milliseconds timeout,
                                                                     const AddressFilter* address_allowed);

}  // namespace parley::net
