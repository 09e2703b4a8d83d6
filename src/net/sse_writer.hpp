// The writing side of an SSE stream: takes what a handler queued in its ChannelSink in one write, and sends
// keep-alive comments while the handler is quiet. Private to src/net/.
#pragma once

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <exception>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "net/sse_channel_sink.hpp"
#include "net/sse_frame_write.hpp"

namespace parley::net {

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
        add_ping(batch);
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
      // The keep-alive time (a frame the sink wrote in part has its rest queued: the ping goes after it).
      add_ping(batch);
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
      std::string_view rest = batch;  // wire bytes (see ChannelSink::take)
      if (!write_what_fits(socket_, rest)) {
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
        boost::asio::co_spawn(socket_.get_executor(), write_rest(std::string(rest)), std::move(written));
        return false;
      }
    }
    if (finished) {
      finish();
      return false;
    }
    return true;
  }

  // Owns what is left of a batch while the client takes it.
  boost::asio::awaitable<bool> write_rest(std::string rest) {
    co_return co_await write_within(socket_, rest, write_timeout_);
  }

  // A keep-alive comment after the wire bytes of `batch`.
  void add_ping(std::string& batch) const { append_wire(batch, ping_frame(), sink_.chunked); }

  // No end marker for a client that is gone; none on a close-delimited body either.
  void finish() {
    if (sink_.gone || !sink_.chunked) {
      end(false);
      return;
    }
    std::string_view rest = "0\r\n\r\n";
    if (!write_what_fits(socket_, rest)) {
      end(false);
      return;
    }
    if (rest.empty()) {
      end(true);
      return;
    }
    // `rest` is static text: it outlives the write.
    boost::asio::co_spawn(socket_.get_executor(), write_within(socket_, rest, write_timeout_),
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
