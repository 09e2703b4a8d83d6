// The writing side of an SSE stream: takes what a handler queued in its ChannelSink in one write, and sends
// keep-alive comments while the handler is quiet. Private to src/net/.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <string>

#include "core/clock.hpp"
#include "net/sse_channel_sink.hpp"
#include "net/sse_frame_write.hpp"

namespace parley::net {

// Until the producer has finished (and what it queued is written), it failed, or the client is gone or stops
// reading (then the sink is marked gone). Ends a chunked body with its last chunk: true when that was written
// whole (the connection can then carry a next request).
template <class Socket>
boost::asio::awaitable<bool> write_sse(Socket& socket, ChannelSink<Socket>& sink,
                                       std::chrono::milliseconds keepalive,
                                       std::chrono::milliseconds write_timeout) {
  namespace asio = boost::asio;
  using namespace asio::experimental::awaitable_operators;
  constexpr auto as_tuple_awaitable = asio::as_tuple(asio::use_awaitable);
  // Synchronous writes below return would_block instead of blocking the thread.
  boost::system::error_code nb_ec;
  socket.non_blocking(true, nb_ec);
  auto next_ping = std::chrono::steady_clock::now() + keepalive;
  const auto ping_frame = [] {
    return ": ping " + format_iso_utc_z(std::chrono::system_clock::now(), 3) + "\n\n";
  };
  for (;;) {
    std::string batch;
    // What is already queued is taken in one piece without waiting.
    bool done = sink.take(batch);
    if (batch.empty() && !done) {
      // Wait for a frame, the end, or the keep-alive time, whichever comes first: the sink cancels the
      // wait when something arrives. (One timer: no channel, no `receive || timer` parallel group.)
      sink.writer_wake.expires_at(next_ping);
      sink.writer_waiting = true;
      auto [ec] = co_await sink.writer_wake.async_wait(as_tuple_awaitable);
      sink.writer_waiting = false;
      done = sink.take(batch);
      if (!ec && !done) {
        // The keep-alive time: a frame that send() is still writing is not interrupted; the ping waits for
        // the next turn.
        if (!sink.direct_writing) batch += ping_frame();
        next_ping = std::chrono::steady_clock::now() + keepalive;
      }
    } else if (std::chrono::steady_clock::now() >= next_ping) {
      // A stream that never waits still gets its keep-alive comments.
      batch += ping_frame();
      next_ping = std::chrono::steady_clock::now() + keepalive;
    }
    if (sink.gone) co_return false;
    if (!batch.empty() && !co_await write_sse_bytes(socket, batch, write_timeout, sink.chunked)) {
      sink.mark_gone();
      co_return false;
    }
    if (done) break;
  }
  // No end marker for a client that is gone, or while send() still writes a frame; none on a close-delimited
  // body either.
  if (sink.gone || sink.direct_writing || !sink.chunked) co_return false;
  asio::steady_timer timer(socket.get_executor());
  timer.expires_after(write_timeout);
  const auto ended = co_await (asio::async_write(socket, asio::buffer("0\r\n\r\n", 5), as_tuple_awaitable) ||
                               timer.async_wait(as_tuple_awaitable));
  if (ended.index() != 0) co_return false;  // the deadline passed
  const auto [ec, n] = std::get<0>(ended);
  co_return !ec && n == 5;
}

}  // namespace parley::net
