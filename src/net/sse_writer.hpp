// The writing side of an SSE stream: takes the frames a handler queued in its ChannelSink, merges what is
// queued into one write, and sends keep-alive comments while the handler is quiet. Private to src/net/.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/channel_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "core/clock.hpp"
#include "net/sse_channel_sink.hpp"
#include "net/sse_frame_write.hpp"

namespace parley::net {

// Runs the handler's SSE body, then queues the empty frame that marks the end of the stream.
template <class Socket>
boost::asio::awaitable<void> produce_sse(Response& res, ChannelSink<Socket>& sink) {
  co_await res.sse(sink);
  if (!sink.gone) {
    co_await sink.channel.async_send(boost::system::error_code{}, std::string(),
                                     boost::asio::as_tuple(boost::asio::use_awaitable));
  }
}

// Until the end frame, the channel's close (the producer failed) or a client that is gone or stops reading
// (then the sink is marked gone). Ends a chunked body with its last chunk.
template <class Socket>
boost::asio::awaitable<void> write_sse(Socket& socket, ChannelSink<Socket>& sink,
                                       std::chrono::milliseconds keepalive,
                                       std::chrono::milliseconds write_timeout) {
  namespace asio = boost::asio;
  using namespace asio::experimental::awaitable_operators;
  constexpr auto as_tuple_awaitable = asio::as_tuple(asio::use_awaitable);
  // Synchronous writes below return would_block instead of blocking the thread.
  boost::system::error_code nb_ec;
  socket.non_blocking(true, nb_ec);
  asio::steady_timer ping(socket.get_executor());
  struct PingWait {
    asio::cancellation_signal signal;
    std::uint64_t generation = 0;
  };
  const auto wait = std::make_shared<PingWait>();  // shared with the timer's handler, which may run later
  auto next_ping = std::chrono::steady_clock::now() + keepalive;
  const auto ping_frame = [] {
    return ": ping " + format_iso_utc_z(std::chrono::system_clock::now(), 3) + "\n\n";
  };
  for (;;) {
    std::string batch;
    bool done = false;
    const auto take = [&](boost::system::error_code rec, std::string more) {
      if (rec || more.empty()) {
        done = true;
      } else {
        batch += more;
      }
    };
    // What is already queued is merged into one write without waiting.
    while (!done && sink.channel.try_receive(take)) {
    }
    if (batch.empty() && !done) {
      // Wait for a frame or the keep-alive time, whichever comes first: the timer's handler cancels the
      // receive. (Not `receive || timer`: that parallel group would keep two spawned coroutines and an
      // operator frame alive for every waiting stream, ~2 KB each.)
      ping.expires_at(next_ping);
      const auto generation = ++wait->generation;
      ping.async_wait([wait, generation](boost::system::error_code ec) {
        if (ec || wait->generation != generation) return;  // cancelled, or a wait that already ended
        wait->signal.emit(asio::cancellation_type::terminal);
      });
      sink.writer_waiting = true;
      auto [ec, frame] = co_await sink.channel.async_receive(
          asio::bind_cancellation_slot(wait->signal.slot(), as_tuple_awaitable));
      sink.writer_waiting = false;
      ++wait->generation;  // a timer handler already queued does nothing now
      ping.cancel();
      if (ec == asio::experimental::error::channel_cancelled) {
        // A frame that send() is still writing is not interrupted; the ping waits for the next turn.
        if (!sink.direct_writing) batch = ping_frame();
        next_ping = std::chrono::steady_clock::now() + keepalive;
      } else {
        take(ec, std::move(frame));
        while (!done && sink.channel.try_receive(take)) {
        }
      }
    } else if (std::chrono::steady_clock::now() >= next_ping) {
      // A stream that never waits still gets its keep-alive comments.
      batch += ping_frame();
      next_ping = std::chrono::steady_clock::now() + keepalive;
    }
    if (!batch.empty() && !co_await write_sse_bytes(socket, batch, write_timeout, sink.chunked)) {
      sink.mark_gone();
      co_return;
    }
    if (done) break;
  }
  // No end marker for a client that is gone, or while send() still writes a frame; none on a close-delimited
  // body either.
  if (sink.gone || sink.direct_writing || !sink.chunked) co_return;
  asio::steady_timer timer(socket.get_executor());
  timer.expires_after(write_timeout);
  co_await (asio::async_write(socket, asio::buffer("0\r\n\r\n", 5), as_tuple_awaitable) ||
            timer.async_wait(as_tuple_awaitable));
}

}  // namespace parley::net
