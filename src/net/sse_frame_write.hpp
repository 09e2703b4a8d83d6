// Writing SSE bytes to a client socket: as one HTTP chunk, or as they are on a close-delimited (HTTP/1.0)
// response. Private to src/net/ (the SSE sink and writer).
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>

namespace parley::net {

// SSE bytes as one HTTP chunk (a close-delimited body sends them as they are).
inline std::string sse_chunk(std::string_view data) {
  char size_line[24];
  const int n = std::snprintf(size_line, sizeof size_line, "%zx\r\n", data.size());
  std::string framed;
  framed.reserve(static_cast<std::size_t>(n) + data.size() + 2);
  framed.append(size_line, static_cast<std::size_t>(n)).append(data).append("\r\n");
  return framed;
}

// `frame` as it goes on the wire, appended to `out`: one HTTP chunk, or as it is on a close-delimited body.
inline void append_wire(std::string& out, std::string_view frame, bool chunked) {
  if (chunked) {
    out += sse_chunk(frame);
  } else {
    out += frame;
  }
}

// Writes what fits the socket buffer now (the socket is non-blocking while it streams) and removes it from
// `bytes`: false when the client is gone; what is left of `bytes` waits for the client.
template <class Socket>
bool write_what_fits(Socket& socket, std::string_view& bytes) {
  boost::system::error_code ec;
  while (!bytes.empty()) {
    bytes.remove_prefix(socket.write_some(boost::asio::buffer(bytes.data(), bytes.size()), ec));
    if (ec) break;
  }
  return bytes.empty() || ec == boost::asio::error::would_block || ec == boost::asio::error::try_again;
}

// The rest of a write, for a client that is not reading fast enough: false when it has not taken it within
// `timeout` (it stopped reading) or is gone.
template <class Socket>
boost::asio::awaitable<bool> write_within(Socket& socket, std::string_view rest,
                                          std::chrono::milliseconds timeout) {
  namespace asio = boost::asio;
  using namespace asio::experimental::awaitable_operators;
  constexpr auto as_tuple_awaitable = asio::as_tuple(asio::use_awaitable);
  asio::steady_timer timer(socket.get_executor());
  timer.expires_after(timeout);
  auto result =
      co_await (asio::async_write(socket, asio::buffer(rest.data(), rest.size()), as_tuple_awaitable) ||
                timer.async_wait(as_tuple_awaitable));
  if (result.index() == 1) co_return false;  // the client stopped reading
  auto [wec, written] = std::get<0>(result);
  co_return !wec && written == rest.size();
}

}  // namespace parley::net
