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

// Most writes fit the socket buffer and complete at once without an asynchronous operation or a timer (the
// socket is non-blocking while it streams); only a client that is not reading makes the rest wait, up to
// `timeout`. False when the client is gone or stopped reading.
template <class Socket>
boost::asio::awaitable<bool> write_sse_bytes(Socket& socket, std::string_view data,
                                             std::chrono::milliseconds timeout, bool chunked) {
  namespace asio = boost::asio;
  using namespace asio::experimental::awaitable_operators;
  constexpr auto as_tuple_awaitable = asio::as_tuple(asio::use_awaitable);
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

}  // namespace parley::net
