// The server's side of an HTTPS connection, with the interface HttpSession<Stream> expects of a stream (see
// http_session.hpp): Beast's async reads and writes go through TLS, the deadlines are the TCP stream's, and
// socket() is a TlsSocket: the TCP socket's calls for closing, peeking and cancelling, with writes that go
// through TLS (the SSE writer writes to the socket). Private to src/net/.
#pragma once

#include <boost/asio/error.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <memory>
#include <utility>

namespace parley::net {

using TlsLayer = boost::beast::ssl_stream<boost::beast::tcp_stream>;

// The TCP socket under a TLS stream. Reads and waits are the socket's own (the SSE client watch only waits
// for input and drops it, which is all it does on a connection that ends with the stream). Writes go through
// TLS: they never complete synchronously (write_some says would_block), so the SSE writer takes its
// asynchronous path with its deadline for every frame.
class TlsSocket {
 public:
  using executor_type = boost::asio::any_io_executor;
  using native_handle_type = boost::asio::ip::tcp::socket::native_handle_type;

  explicit TlsSocket(TlsLayer* tls) : tls_(tls) {}

  executor_type get_executor() { return raw().get_executor(); }
  [[nodiscard]] bool is_open() const { return tls_->next_layer().socket().is_open(); }
  native_handle_type native_handle() { return raw().native_handle(); }
  boost::asio::ip::tcp::endpoint remote_endpoint(boost::system::error_code& ec) const {
    return tls_->next_layer().socket().remote_endpoint(ec);
  }
  void shutdown(boost::asio::socket_base::shutdown_type what, boost::system::error_code& ec) {
    raw().shutdown(what, ec);
  }
  void close(boost::system::error_code& ec) { raw().close(ec); }
  void cancel(boost::system::error_code& ec) { raw().cancel(ec); }
  void non_blocking(bool mode, boost::system::error_code& ec) { raw().non_blocking(mode, ec); }
  template <class WaitHandler>
  auto async_wait(boost::asio::socket_base::wait_type what, WaitHandler&& handler) {
    return raw().async_wait(what, std::forward<WaitHandler>(handler));
  }
  template <class MutableBuffers>
  std::size_t read_some(const MutableBuffers& buffers, boost::system::error_code& ec) {
    return raw().read_some(buffers, ec);
  }
  template <class ConstBuffers>
  std::size_t write_some(const ConstBuffers&, boost::system::error_code& ec) {
    ec = boost::asio::error::would_block;
    return 0;
  }
  template <class ConstBuffers, class WriteToken>
  auto async_write_some(const ConstBuffers& buffers, WriteToken&& token) {
    return tls_->async_write_some(buffers, std::forward<WriteToken>(token));
  }

 private:
  boost::asio::ip::tcp::socket& raw() { return tls_->next_layer().socket(); }
  TlsLayer* tls_;
};

class TlsServerStream {
 public:
  using executor_type = TlsLayer::executor_type;
  static constexpr bool secure = true;

  TlsServerStream(boost::asio::ip::tcp::socket socket, std::shared_ptr<boost::asio::ssl::context> context)
      : context_(std::move(context)),
        tls_(std::make_unique<TlsLayer>(boost::beast::tcp_stream(std::move(socket)), *context_)),
        socket_(tls_.get()) {}

  executor_type get_executor() { return tls_->get_executor(); }
  TlsSocket& socket() { return socket_; }
  TlsLayer& tls() { return *tls_; }
  boost::beast::tcp_stream& tcp() { return tls_->next_layer(); }

  template <class Duration>
  void expires_after(Duration d) {
    tcp().expires_after(d);
  }
  template <class TimePoint>
  void expires_at(TimePoint t) {
    tcp().expires_at(t);
  }
  void expires_never() { tcp().expires_never(); }

  template <class MutableBuffers, class ReadToken>
  auto async_read_some(const MutableBuffers& buffers, ReadToken&& token) {
    return tls_->async_read_some(buffers, std::forward<ReadToken>(token));
  }
  template <class ConstBuffers, class WriteToken>
  auto async_write_some(const ConstBuffers& buffers, WriteToken&& token) {
    return tls_->async_write_some(buffers, std::forward<WriteToken>(token));
  }

 private:
  std::shared_ptr<boost::asio::ssl::context> context_;  // outlives the TLS stream that uses it
  std::unique_ptr<TlsLayer> tls_;                       // on the heap: socket_ points at it across moves
  TlsSocket socket_;
};

}  // namespace parley::net
