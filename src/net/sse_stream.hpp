// One SSE response from its head to its end: the head, the handler's producer, the writer, the client watch,
// and what the policy is told. Private to src/net/ (the HTTP session).
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <exception>
#include <memory>
#include <stdexcept>

#include "net/client_watch.hpp"
#include "net/http_messages.hpp"
#include "net/open_streams.hpp"
#include "net/request_policy.hpp"
#include "net/server_options.hpp"
#include "net/sse_channel_sink.hpp"
#include "net/sse_writer.hpp"

namespace parley::net {

// In a coroutine of its own: the header and its serializer are not kept for the length of the stream.
template <class Stream>
boost::asio::awaitable<bool> write_sse_head(Stream& stream, const Response& res, bool http10, bool keep_alive,
                                            std::chrono::milliseconds timeout) {
  namespace http = boost::beast::http;
  auto head = sse_response_head(res, http10, keep_alive);
  stream.expires_after(timeout);
  http::response_serializer<http::empty_body> sr{head};
  auto [ec, n] =
      co_await http::async_write_header(stream, sr, boost::asio::as_tuple(boost::asio::use_awaitable));
  stream.expires_never();
  co_return !ec;
}

// An unexpected exception that ended the producer or the writer: a bug, reported like one from a handler.
inline void report_stream_failure(RequestPolicy& policy, const Request& req,
                                  const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    policy.failed(req, e);
  } catch (...) {
    policy.failed(req, std::runtime_error("an exception that is not a std::exception"));
  }
}

// Streams `res.sse` to the client until the producer ends or the client leaves, then tells the policy
// (completed: 200 once the head is out, 0 when it could not be written). True when the connection can carry
// a next request: `keep_alive` was asked for (HTTP/1.1, no "Connection: close") and the stream ended whole,
// its last chunk written, with the client still there and nothing failed; what the client sent meanwhile was
// left unread for the session.
template <class Stream>
boost::asio::awaitable<bool> run_sse_stream(Stream& stream, Request& req, Response& res, bool http10,
                                            bool keep_alive, const ServerOptions& options,
                                            RequestPolicy& policy) {
  namespace asio = boost::asio;
  using Socket = std::remove_reference_t<decltype(stream.socket())>;
  const auto started = std::chrono::steady_clock::now();
  const OpenStream open_stream;
  // An HTTP/1.0 body ends when the connection closes; what arrives on a socket that cannot be peeked at is
  // dropped by the watch (client_watch.hpp).
  keep_alive = keep_alive && !http10 && PeekableSocket<Socket>;
  if (!co_await write_sse_head(stream, res, http10, keep_alive, options.write_timeout)) {
    policy.completed(req, 0, std::chrono::steady_clock::now() - started);
    co_return false;
  }
  // HEAD gets the head alone: the producer never runs (a bulk export is not read for nothing).
  if (req.is_head()) {
    policy.completed(req, 200, std::chrono::steady_clock::now() - started);
    co_return keep_alive;
  }
  res.headers = Headers();  // written: not kept for the length of the stream
  auto& socket = stream.socket();
  ChannelSink<Socket> sink(socket, options.sse_queue_frames, !http10, policy);
  // The writer is driven by completion handlers (frames are written with non-blocking write_some calls, by
  // the writer or by the sink when the writer is idle) and the handler's producer runs here, in this
  // coroutine: an open stream keeps no second coroutine and no writer frame (P3). The client is watched by
  // plain handlers. The producer is never cancelled by Asio: when the client leaves, the watcher fires the
  // sink's cancel signal and the producer winds down itself (storing what it must), while the writer stops at
  // once. (Not `produce && (write || watch)`: those parallel groups cost ~3 KB for every open stream.)
  auto watch = std::make_shared<ClientWatch<Socket>>();
  watch->sink = &sink;
  watch_client(socket, watch);
  // Without keep-alive comments the "next ping" is a day away: a streamed document ends long before.
  const auto keepalive =
      res.sse_keepalive ? options.sse_keepalive : std::chrono::milliseconds(std::chrono::hours(24));
  SseWriter<Socket> writer(socket, sink, keepalive, options.write_timeout);
  // Made before the writer starts: nothing may fail between its start and the wait for its end (its pending
  // wait refers to `writer` and `sink`).
  asio::steady_timer until_written(socket.get_executor(), asio::steady_timer::time_point::max());
  writer.start();
  std::exception_ptr produce_error;
  try {
    co_await res.sse(sink);
    sink.finish();  // the writer writes what is queued, then ends the stream
  } catch (...) {
    produce_error = std::current_exception();
    sink.close();  // the writer ends the stream instead of waiting for frames
  }
  // The writer uses `sink`, which lives in this frame: it always finishes first.
  if (!writer.done()) {
    writer.on_done = &until_written;
    co_await until_written.async_wait(asio::as_tuple(asio::use_awaitable));
    writer.on_done = nullptr;
  }
  watch->sink = nullptr;
  boost::system::error_code ignored;
  socket.cancel(ignored);  // the watcher's wait
  if (watch->poll) watch->poll->cancel();
  if (writer.failure()) report_stream_failure(policy, req, writer.failure());
  if (produce_error) report_stream_failure(policy, req, produce_error);
  if (sink.gone) policy.client_left(req);
  policy.completed(req, 200, std::chrono::steady_clock::now() - started);
  // Synchronous writes were for the stream; the session's reads and writes are asynchronous either way.
  socket.non_blocking(false, ignored);
  co_return keep_alive&& writer.ended_whole() && !sink.gone && !produce_error && !writer.failure();
}

}  // namespace parley::net
