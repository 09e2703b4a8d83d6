// The writing side of an SSE stream: takes what a handler queued in its ChannelSink in one write, and sends
// keep-alive comments while the handler is quiet. Private to src/net/.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <exception>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "net/sse_channel_sink.hpp"
#include "net/sse_frame_write.hpp"

namespace parley::net {

// The end of a chunked body, written with a deadline (only when the socket buffer is full: rare).
// `rest`: what is left of it to write (static text).
template <class Socket>
boost::asio::awaitable<bool> write_last_chunk(Socket& socket, std::string_view rest,
                                              std::chrono::milliseconds timeout) {
  namespace asio = boost::asio;
  using namespace asio::experimental::awaitable_operators;
  constexpr auto as_tuple_awaitable = asio::as_tuple(asio::use_awaitable);
  asio::steady_timer timer(socket.get_executor());
  timer.expires_after(timeout);
  const auto ended =
      co_await (asio::async_write(socket, asio::buffer(rest.data(), rest.size()), as_tuple_awaitable) ||
                timer.async_wait(as_tuple_awaitable));
  if (ended.index() != 0) co_return false;  // the deadline passed
  const auto [ec, n] = std::get<0>(ended);
  co_return !ec && n == rest.size();
}

// Until the producer has finished (and what it queued is written), it failed, or the client is gone or stops
// reading (then the sink is marked gone). Ends a chunked body with its last chunk; ended_whole() when that
// was written whole (the connection can then carry a next request).
//
// Driven by completion handlers, not a coroutine: it waits on the sink's timer while nothing is queued, and
// the producer runs in the stream's own coroutine, so an open stream keeps neither a writer frame nor a
// second coroutine (~1 KB for every open stream, P3). Only a write that does not fit the socket buffer (a
// client that is not reading) runs a short coroutine with its deadline. Everything runs on the socket's
// executor.
template <class Socket>
class SseWriter {
 public:
  SseWriter(Socket& socket, ChannelSink<Socket>& sink, std::chrono::milliseconds keepalive,
            std::chrono::milliseconds write_timeout)
      : socket_(socket),
        sink_(sink),
        keepalive_(keepalive),
        write_timeout_(write_timeout),
        next_ping_(std::chrono::steady_clock::now() + keepalive) {
    // Synchronous writes below return would_block instead of blocking the thread.
    boost::system::error_code ec;
    socket_.non_blocking(true, ec);
  }
  SseWriter(const SseWriter&) = delete;
  SseWriter& operator=(const SseWriter&) = delete;

  void start() {
    guarded([this] { run(); });
  }
  [[nodiscard]] bool done() const { return done_; }
  [[nodiscard]] bool ended_whole() const { return ended_whole_; }
  // An unexpected exception that ended the writer (a bug, reported like one from a handler).
  [[nodiscard]] const std::exception_ptr& failure() const { return failure_; }
  // Cancelled when the writer is done (the stream waits on it for the writer's end).
  boost::asio::steady_timer* on_done = nullptr;

 private:
  // Writes what is queued while that completes at once; waits when nothing is.
  void run() {
    for (;;) {
      std::string batch;
      const bool finished = sink_.take(batch);
      if (batch.empty() && !finished) {
        wait();
        return;
      }
      if (std::chrono::steady_clock::now() >= next_ping_) {
        // A stream that never waits still gets its keep-alive comments.
        batch += ping_frame();
        next_ping_ = std::chrono::steady_clock::now() + keepalive_;
      }
      if (!write(std::move(batch), finished)) return;
    }
  }

  // Waits for a frame, the end, or the keep-alive time, whichever comes first: the sink cancels the wait when
  // something arrives. (One timer: no channel, no `receive || timer` parallel group.)
  void wait() {
    sink_.writer_wake.expires_at(next_ping_);
    sink_.writer_waiting = true;
    sink_.writer_wake.async_wait([this](boost::system::error_code ec) { guarded([this, ec] { woke(ec); }); });
  }

  void woke(boost::system::error_code ec) {
    sink_.writer_waiting = false;
    std::string batch;
    const bool finished = sink_.take(batch);
    if (!ec && !finished) {
      // The keep-alive time: a frame that send() is still writing is not interrupted; the ping waits for the
      // next turn.
      if (!sink_.direct_writing) batch += ping_frame();
      next_ping_ = std::chrono::steady_clock::now() + keepalive_;
    }
    if (write(std::move(batch), finished)) run();
  }

  // True when the batch went out at once and more may come (the caller goes on); otherwise the writer goes on
  // from the write's completion, or has ended.
  bool write(std::string batch, bool finished) {
    if (sink_.gone) {
      end(false);
      return false;
    }
    if (!batch.empty()) {
      std::string rest;
      if (!write_now(batch, rest)) {
        sink_.mark_gone();
        end(false);
        return false;
      }
      if (!rest.empty()) {
        // The client is not reading fast enough: the rest waits for it, up to the write timeout.
        auto written = [this, finished](std::exception_ptr error, bool ok) {
          guarded([&] {
            if (error) std::rethrow_exception(error);
            if (!ok) {
              sink_.mark_gone();
              end(false);
            } else if (finished) {
              finish();
            } else {
              run();
            }
          });
        };
        boost::asio::co_spawn(socket_.get_executor(), write_rest(std::move(rest)), std::move(written));
        return false;
      }
    }
    if (finished) {
      finish();
      return false;
    }
    return true;
  }

  // The batch as one chunk (or as it is on a close-delimited body), written without waiting: false when the
  // client is gone; what did not fit is left in `rest`.
  bool write_now(const std::string& batch, std::string& rest) {
    std::string framed;
    if (sink_.chunked) {
      char size_line[24];
      const int n = std::snprintf(size_line, sizeof size_line, "%zx\r\n", batch.size());
      framed.reserve(static_cast<std::size_t>(n) + batch.size() + 2);
      framed.append(size_line, static_cast<std::size_t>(n)).append(batch).append("\r\n");
    }
    const std::string_view chunk = sink_.chunked ? std::string_view(framed) : std::string_view(batch);
    std::size_t done = 0;
    boost::system::error_code ec;
    while (done < chunk.size()) {
      done += socket_.write_some(boost::asio::buffer(chunk.data() + done, chunk.size() - done), ec);
      if (ec) break;
    }
    if (done == chunk.size()) return true;
    if (ec != boost::asio::error::would_block && ec != boost::asio::error::try_again) return false;
    rest.assign(chunk.substr(done));
    return true;
  }

  boost::asio::awaitable<bool> write_rest(std::string rest) {
    co_return co_await write_sse_bytes(socket_, rest, write_timeout_, false);
  }

  // No end marker for a client that is gone, or while send() still writes a frame; none on a close-delimited
  // body either.
  void finish() {
    if (sink_.gone || sink_.direct_writing || !sink_.chunked) {
      end(false);
      return;
    }
    static constexpr std::string_view last_chunk = "0\r\n\r\n";
    boost::system::error_code ec;
    std::size_t n = 0;
    while (n < last_chunk.size() && !ec)
      n += socket_.write_some(boost::asio::buffer(last_chunk.data() + n, last_chunk.size() - n), ec);
    if (n == last_chunk.size()) {
      end(true);
      return;
    }
    if (ec != boost::asio::error::would_block && ec != boost::asio::error::try_again) {
      end(false);
      return;
    }
    boost::asio::co_spawn(socket_.get_executor(),
                          write_last_chunk(socket_, last_chunk.substr(n), write_timeout_),
                          [this](std::exception_ptr error, bool ok) {
                            guarded([&] {
                              if (error) std::rethrow_exception(error);
                              end(ok);
                            });
                          });
  }

  // The writer's steps run in completion handlers: an exception must not leave them (it would end the IO
  // thread's run()); it ends this stream instead, as the writing coroutine's did.
  template <class Step>
  void guarded(Step&& step) {
    try {
      step();
    } catch (...) {
      failure_ = std::current_exception();
      sink_.mark_gone();  // the producer must not wait for a writer that is gone
      end(false);
    }
  }

  void end(bool whole) {
    done_ = true;
    ended_whole_ = whole;
    if (on_done) on_done->cancel();
  }

  static std::string ping_frame() {
    return ": ping " + format_iso_utc_z(std::chrono::system_clock::now(), 3) + "\n\n";
  }

  Socket& socket_;
  ChannelSink<Socket>& sink_;
  std::chrono::milliseconds keepalive_;
  std::chrono::milliseconds write_timeout_;
  std::chrono::steady_clock::time_point next_ping_;
  bool done_ = false;
  bool ended_whole_ = false;
  std::exception_ptr failure_;
};

}  // namespace parley::net
