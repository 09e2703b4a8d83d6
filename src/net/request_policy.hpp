// The application's cross-cutting rules the HTTP server applies to every request: request ids, Host check,
// auth, CORS, logging, metrics, masking of secrets in SSE frames.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <exception>
#include <optional>
#include <string>

#include "net/http_types.hpp"
#include "net/router.hpp"

namespace parley::net {

class RequestPolicy {
 public:
  virtual ~RequestPolicy() = default;
  // After the header is read and the route matched (match.route is null for UI paths and unknown paths).
  // Returns a response to send instead of running the route.
  virtual boost::asio::awaitable<std::optional<Response>> before(Request& req, const RouteMatch& match) = 0;
  // Decorates every response (X-Request-Id, CORS headers).
  virtual void after(const Request& req, Response& res) = 0;
  // Once the response has been written (or the client left). status 0: no response was written (or it could
  // not be written completely).
  virtual void completed(const Request& req, int status, std::chrono::steady_clock::duration elapsed) = 0;
  // An unexpected exception escaped a handler or an SSE producer.
  virtual void failed(const Request& req, const std::exception& e) = 0;
  // The client left an SSE stream before it ended.
  virtual void client_left(const Request& req) = 0;
  // Every SSE frame passes here before it is written (secrets are masked in everything parley writes out).
  virtual void filter_sse_frame(std::string& frame) { (void)frame; }
  // Whether completed() will read the request's headers: when not, an SSE stream lets go of them once its
  // handler has run (they are not kept for the length of every open stream, P3).
  [[nodiscard]] virtual bool reads_headers_when_completed() const { return true; }
};

}  // namespace parley::net
