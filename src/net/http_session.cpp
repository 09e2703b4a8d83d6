// The server's HTTP session over TCP: the one translation unit that instantiates the session's Beast reads
// and writes, its SSE writer and its client watch (compile time: see http_session.hpp).
#include "net/http_session.hpp"

#include <boost/beast/core/tcp_stream.hpp>

namespace parley::net {

template class HttpSession<boost::beast::tcp_stream>;

std::shared_ptr<ServerConnection> make_http_session(boost::asio::ip::tcp::socket socket,
                                                    std::shared_ptr<ConnectionHost> host) {
  return std::make_shared<HttpSession<boost::beast::tcp_stream>>(boost::beast::tcp_stream(std::move(socket)),
                                                                 std::move(host));
}

}  // namespace parley::net
