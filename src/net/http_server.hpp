// The HTTP/1.1 server: listens, accepts connections up to a limit (with back-off when descriptors run out),
// and shuts down gracefully. Each connection is an HTTP session (http_session.hpp).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/system/error_code.hpp>
#include <cstdint>
#include <functional>
#include <memory>

#include "net/http_types.hpp"
#include "net/request_policy.hpp"
#include "net/router.hpp"
#include "net/server_options.hpp"
#include "net/static_files.hpp"

namespace parley::net {

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
