// Writing a plain (non-SSE) response, and the interim "100 Continue", to a client connection. Failures are
// returned (false), never thrown. Private to src/net/.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <string_view>

#include "net/http_messages.hpp"

namespace parley::net {

// The head, then the body as it is (no copy into a Beast body). `Stream` is beast::tcp_stream (or a test
// stream with the same interface): `timeout` bounds the whole write.
template <class Stream>
boost::asio::awaitable<bool> write_response_message(Stream& stream, ResponseHead& head, std::string_view body,
                                                    std::chrono::milliseconds timeout) {
  namespace http = boost::beast::http;
  constexpr auto as_tuple_awaitable = boost::asio::as_tuple(boost::asio::use_awaitable);
  stream.expires_after(timeout);
  http::response_serializer<http::empty_body> sr{head};
  auto [ec, n] = co_await http::async_write_header(stream, sr, as_tuple_awaitable);
  if (!ec && !body.empty()) {
    auto [bec, bn] = co_await boost::asio::async_write(stream, boost::asio::buffer(body.data(), body.size()),
                                                       as_tuple_awaitable);
    ec = bec;
  }
  stream.expires_never();
  co_return !ec;
}

// The client sent "Expect: 100-continue" and waits for this before it sends the body.
template <class Stream>
boost::asio::awaitable<bool> write_continue(Stream& stream, std::chrono::milliseconds timeout) {
  static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
  stream.expires_after(timeout);
  auto [ec, n] =
      co_await boost::asio::async_write(stream, boost::asio::buffer(kContinue.data(), kContinue.size()),
                                        boost::asio::as_tuple(boost::asio::use_awaitable));
  co_return !ec;
}

}  // namespace parley::net
