// One accepted client connection as the server sees it, and what such a connection needs from the server that
// accepted it. Keeps the accept loop and shutdown (http_server.cpp) apart from the HTTP session's Beast code.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <cstddef>
#include <memory>

#include "net/connection_limit.hpp"
#include "net/request_policy.hpp"
#include "net/router.hpp"
#include "net/server_options.hpp"
#include "net/static_files.hpp"

namespace parley::net {

// An IdleLink: the connection limit may close it while it waits for a request header.
class ServerConnection : public IdleLink {
 public:
  // Serves the connection's requests on its own executor until it closes. The caller holds the connection
  // (by shared_ptr) until ConnectionHost::closed().
  virtual void start() = 0;
  // Shutdown, from any thread: closes the connection now if it waits for a request, else after the request
  // or stream it is serving.
  virtual void close_if_idle() = 0;
  // The end of the shutdown grace, from any thread: closes the connection whatever it does.
  virtual void force_close() = 0;
};

// The server's side of its connections. Each connection holds it (by shared_ptr) until it has closed.
class ConnectionHost {
 public:
  ConnectionHost(ServerOptions server_options, const Router& routes, const StaticFiles& ui_files,
                 RequestPolicy& request_policy, std::size_t max_open)
      : options(std::move(server_options)),
        router(routes),
        ui(ui_files),
        policy(request_policy),
        limit(max_open) {}
  virtual ~ConnectionHost() = default;
  ConnectionHost(const ConnectionHost&) = delete;
  ConnectionHost& operator=(const ConnectionHost&) = delete;

  // The connection's last act, after its socket is closed.
  virtual void closed(const std::shared_ptr<ServerConnection>& connection) = 0;

  const ServerOptions options;
  const Router& router;
  const StaticFiles& ui;
  RequestPolicy& policy;
  ConnectionLimit limit;
};

// An HTTP/1.1 session (http_session.hpp) on an accepted socket; the caller counts it as opened in the limit.
std::shared_ptr<ServerConnection> make_http_session(boost::asio::ip::tcp::socket socket,
                                                    std::shared_ptr<ConnectionHost> host);
// The same over TLS (tls_stream.hpp): the session starts with the handshake, with `context`'s certificate.
std::shared_ptr<ServerConnection> make_https_session(boost::asio::ip::tcp::socket socket,
                                                     std::shared_ptr<boost::asio::ssl::context> context,
                                                     std::shared_ptr<ConnectionHost> host);

}  // namespace parley::net
