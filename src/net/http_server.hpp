// The HTTP/1.1 server: accepts connections up to a limit, enforces header/body limits and deadlines, routes
// requests, streams SSE responses with keep-alive pings and backpressure, and shuts down gracefully.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/system/error_code.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "net/http_types.hpp"
#include "net/router.hpp"
#include "net/static_files.hpp"

namespace parley::net {

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8000;
  std::size_t header_limit = 16 * 1024;
  std::size_t normal_body_limit = 1048576;
  std::size_t chat_body_limit = 67108864;
  std::size_t upload_body_limit = 10485760 + 65536;
  // Whole request header, counted from the end of the previous response: also how long an idle keep-alive
  // connection is kept open.
  std::chrono::milliseconds header_timeout{15000};
  std::chrono::milliseconds body_idle_timeout{30000};  // between body reads
  // Whole request body, counted from the end of its header: a client that trickles it gets 408.
  std::chrono::milliseconds body_timeout{300000};
  // Open client connections at most. At the limit, a waiting client makes room by closing the connection
  // idle longest (waiting for a request header); when none is idle it waits in the listen backlog until one
  // closes. 0: derived from the open-files limit (connection_limit_for).
  std::size_t max_connections = 0;
  std::chrono::milliseconds sse_keepalive{15000};
  std::chrono::milliseconds write_timeout{30000};  // a client that stops reading is given up
  std::chrono::milliseconds shutdown_grace{10000};
  std::size_t sse_queue_frames = 256;
};

// The application's cross-cutting rules (request ids, Host check, auth, CORS, logging, metrics).
class RequestPolicy {
 public:
  virtual ~RequestPolicy() = default;
  // After the header is read and the route matched (match.route is null for UI paths and unknown paths).
  // Returns a response to send instead of running the route.
  virtual boost::asio::awaitable<std::optional<Response>> before(Request& req, const RouteMatch& match) = 0;
  // Decorates every response (X-Request-Id, CORS headers).
  virtual void after(const Request& req, Response& res) = 0;
  // Once the response has been written (or the client left). status 0: no response was written.
  virtual void completed(const Request& req, int status, std::chrono::steady_clock::duration elapsed) = 0;
  // An unexpected exception escaped a handler.
  virtual void failed(const Request& req, const std::exception& e) = 0;
  // The client left an SSE stream before it ended.
  virtual void client_left(const Request& req) = 0;
  // Every SSE frame passes here before it is written (secrets are masked in everything parley writes out).
  virtual void filter_sse_frame(std::string& frame) { (void)frame; }
};

class HttpServer {
 public:
  HttpServer(boost::asio::io_context& ioc, ServerOptions options, const Router& router, const StaticFiles& ui,
             RequestPolicy& policy);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  boost::system::error_code listen();
  [[nodiscard]] std::uint16_t port() const;
  [[nodiscard]] std::size_t max_connections() const;
  void start();
  // Stops accepting, closes idle connections, lets running requests and streams end for up to
  // shutdown_grace, then closes everything and calls `done` (on an io thread).
  void shutdown(std::function<void()> done);

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace parley::net
