// The SseSink a streaming handler writes to: a bounded channel between the producing handler and the SSE
// writer (sse_writer.hpp), with direct writes while the writer waits. Private to src/net/.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/channel.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <string>

#include "core/cancel_signal.hpp"
#include "net/http_types.hpp"
#include "net/request_policy.hpp"
#include "net/sse_frame_write.hpp"

namespace parley::net {

// While the writer waits with nothing queued, a frame is written at once by the producer itself: it then goes
// out before whatever the producer does next (the rest of an upstream read, storing the answer), and without
// the writer's wake-up. What arrives while the writer is busy is queued and merged into its next write.
template <class Socket>
class ChannelSink final : public SseSink {
 public:
  using Channel = boost::asio::experimental::channel<void(boost::system::error_code, std::string)>;
  ChannelSink(Socket& socket, std::size_t capacity, std::chrono::milliseconds write_timeout,
              bool chunked_body, RequestPolicy& policy)
      : channel(socket.get_executor(), capacity),
        chunked(chunked_body),
        socket_(socket),
        write_timeout_(write_timeout),
        policy_(policy) {}

  boost::asio::awaitable<bool> send(std::string frame) override {
    if (gone || frame.empty()) co_return !gone;
    policy_.filter_sse_frame(frame);
    if (writer_waiting && !direct_writing) {
      // Nothing is queued (the writer takes everything before it waits), so the order is kept.
      direct_writing = true;
      const bool ok = co_await write_sse_bytes(socket_, frame, write_timeout_, chunked);
      direct_writing = false;
      if (!ok) mark_gone();
      co_return !gone;
    }
    // Room in the queue: no suspension (try_send leaves `frame` untouched when it fails).
    if (channel.try_send(boost::system::error_code{}, std::move(frame))) co_return !gone;
    auto [ec] = co_await channel.async_send(boost::system::error_code{}, std::move(frame),
                                            boost::asio::as_tuple(boost::asio::use_awaitable));
    co_return !ec && !gone;
  }
  [[nodiscard]] bool client_gone() const override { return gone; }
  CancelSignal& cancellation() override { return cancel; }

  // The client is gone: unblock a waiting producer and tell its upstream work to stop.
  void mark_gone() {
    if (gone) return;
    gone = true;
    channel.close();
    cancel.cancel();
  }

  Channel channel;
  bool gone = false;
  CancelSignal cancel;
  // The writer waits for a frame with nothing queued (also before it first runs: nothing is queued then).
  bool writer_waiting = true;
  bool direct_writing = false;  // a frame written by send() has not gone out completely yet
  const bool chunked;           // false for an HTTP/1.0 client: the body ends when the connection closes

 private:
  Socket& socket_;
  std::chrono::milliseconds write_timeout_;
  RequestPolicy& policy_;
};

}  // namespace parley::net
