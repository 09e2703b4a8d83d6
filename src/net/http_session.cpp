// The server's HTTP sessions over TCP and over TLS: the one translation unit that instantiates the session's
// Beast reads and writes, its SSE writer and its client watch (compile time: see http_session.hpp).
#include "net/http_session.hpp"

#include <boost/beast/core/tcp_stream.hpp>

#include "net/tls_stream.hpp"

namespace parley::net {

template class HttpSession<boost::beast::tcp_stream>;
template class HttpSession<TlsServerStream>;

std::shared_ptr<ServerConnection> make_http_session(boost::asio::ip::tcp::socket socket,
                                                    std::shared_ptr<ConnectionHost> host) {
  return std::make_shared<HttpSession<boost::beast::tcp_stream>>(boost::beast::tcp_stream(std::move(socket)),
                                                                 std::move(host));
}

std::shared_ptr<ServerConnection> make_https_session(boost::asio::ip::tcp::socket socket,
                                                     std::shared_ptr<boost::asio::ssl::context> context,
                                                     std::shared_ptr<ConnectionHost> host) {
  return std::make_shared<HttpSession<TlsServerStream>>(
      TlsServerStream(std::move(socket), std::move(context)), std::move(host));
}

}  // namespace parley::net
