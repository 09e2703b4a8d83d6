// The SseSink a streaming handler writes to: a bounded queue between the producing handler and the SSE writer
// (sse_writer.hpp), with direct writes while the writer waits. Private to src/net/.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "core/cancel_signal.hpp"
#include "net/http_types.hpp"
#include "net/request_policy.hpp"
#include "net/sse_frame_write.hpp"

namespace parley::net {

// While the writer waits with nothing queued, a frame is written at once by the producer itself: it then goes
// out before whatever the producer does next (the rest of an upstream read, storing the answer), and without
// the writer's wake-up. What arrives while the writer is busy, and the part of a direct write that did not
// fit the socket buffer, is queued as the bytes that go on the wire (one string) and written by the writer in
// one write. Sending never suspends unless the queue is full (try_send answers in the producer's own
// callback). The producer, the writer and the client watch run on the socket's executor (a strand): no
// locking. The queue is a string and two timers, not an Asio channel: the channel's two std::deque blocks,
// its wait operation and the keep-alive timer's cancellation state cost ~1.3 KB for every open stream (P3).
template <class Socket>
class ChannelSink final : public SseSink {
 public:
  ChannelSink(Socket& socket, std::size_t capacity, bool chunked_body, RequestPolicy& policy)
      : chunked(chunked_body),
        writer_wake(socket.get_executor()),
        socket_(socket),
        capacity_(capacity == 0 ? 1 : capacity),
        policy_(policy) {}

  boost::asio::awaitable<bool> send(std::string frame) override {
    // A full queue: wait until the writer has taken it (or the client is gone).
    while (!try_send(frame)) {
      if (!room_) room_ = std::make_unique<boost::asio::steady_timer>(socket_.get_executor());
      producer_waiting_ = true;
      room_->expires_at(boost::asio::steady_timer::time_point::max());
      co_await room_->async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
      producer_waiting_ = false;
    }
    co_return !gone && !closed_;
  }
  bool try_send(std::string& frame) override {
    if (gone || closed_ || frame.empty()) return true;
    if (queued_frames_ >= capacity_) return false;
    policy_.filter_sse_frame(frame);
    if (!writer_waiting || !queued_.empty()) {
      append_wire(queued_, frame, chunked);
    } else {
      // Nothing is queued, so the order is kept; what does not fit now is queued for the writer.
      const std::string framed = chunked ? sse_chunk(frame) : std::string();
      std::string_view wire = chunked ? std::string_view(framed) : std::string_view(frame);
      if (!write_what_fits(socket_, wire)) {
        mark_gone();
        return true;
      }
      if (wire.empty()) return true;
      queued_.append(wire);
    }
    ++queued_frames_;
    wake_writer();  // only when it waits
    return true;
  }
  [[nodiscard]] bool client_gone() const override { return gone; }
  CancelSignal& cancellation() override { return cancel; }

  // The producer is done: the writer writes what is queued, then ends the stream.
  void finish() {
    finished_ = true;
    wake_writer();
  }
  // The producer failed: the writer ends the stream instead of waiting for frames.
  void close() {
    closed_ = true;
    wake_writer();
    wake_producer();
  }
  // The client is gone: unblock a waiting producer and tell its upstream work to stop.
  void mark_gone() {
    if (gone) return;
    gone = true;
    wake_writer();
    wake_producer();
    cancel.cancel();
  }

  // For the writer: moves what is queued (wire bytes: chunk-framed on a chunked body) into `batch`; true once
  // nothing more will come.
  bool take(std::string& batch) {
    if (!queued_.empty()) {
      if (batch.empty()) {
        batch.swap(queued_);
      } else {
        batch += queued_;
      }
      std::string().swap(queued_);  // an idle stream keeps no buffer
      queued_frames_ = 0;
      wake_producer();
    }
    return finished_ || closed_ || gone;
  }
  [[nodiscard]] bool ended() const { return finished_ || closed_ || gone; }
  [[nodiscard]] bool has_queued() const { return !queued_.empty(); }

  bool gone = false;
  CancelSignal cancel;
  // The writer waits for a frame with nothing queued (also before it first runs: nothing is queued then).
  bool writer_waiting = true;
  const bool chunked;  // false for an HTTP/1.0 client: the body ends when the connection closes
  // The writer waits on this timer (until its next keep-alive comment); the sink cancels it to wake it.
  boost::asio::steady_timer writer_wake;

 private:
  void wake_writer() {
    if (writer_waiting) writer_wake.cancel();
  }
  void wake_producer() {
    if (producer_waiting_ && room_) room_->cancel();
  }

  Socket& socket_;
  // The producer waits on it while the queue is full (made when that first happens: most streams never fill
  // it).
  std::unique_ptr<boost::asio::steady_timer> room_;
  std::string queued_;
  std::size_t queued_frames_ = 0;
  std::size_t capacity_;
  bool producer_waiting_ = false;
  bool finished_ = false;
  bool closed_ = false;
  RequestPolicy& policy_;
};

}  // namespace parley::net
