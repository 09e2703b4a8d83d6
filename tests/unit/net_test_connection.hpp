// A client connection for protocol tests of the HTTP session: Beast's test::stream (which fails at the Nth
// operation of a fail_count) behind the interface HttpSession uses of beast::tcp_stream and tcp::socket.
#pragma once

#include <algorithm>
#include <array>
#include <boost/asio/error.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <memory>
#include <utility>

namespace parley::net::testing {

// What a test reads after the session (and with it the connection) is gone.
struct ConnectionProbe {
  bool closed = false;         // close() (or shutdown) was called
  std::size_t operations = 0;  // reads and writes the test stream counted (each one a fail_count step)
};

// Deadlines are not modelled (expires_* do nothing): the tests fail operations instead of waiting for them.
// test::stream has no cancel without close, so cancel() closes; the session cancels only a socket it is about
// to close. async_wait(wait_read) is a read into a small buffer whose bytes the next read_some returns; a
// read_some with nothing buffered reports would_block, like a non-blocking socket.
class TestConnection {
 public:
  using executor_type = boost::beast::test::stream::executor_type;

  TestConnection(boost::beast::test::stream stream, std::shared_ptr<ConnectionProbe> probe)
      : stream_(std::move(stream)), probe_(std::move(probe)) {}
  TestConnection(TestConnection&&) = default;
  ~TestConnection() {
    if (probe_) probe_->operations = stream_.nread() + stream_.nwrite();
  }

  executor_type get_executor() { return stream_.get_executor(); }

  // beast::tcp_stream's side.
  template <class Buffers, class Token>
  auto async_read_some(const Buffers& buffers, Token&& token) {
    return stream_.async_read_some(buffers, std::forward<Token>(token));
  }
  template <class Buffers, class Token>
  auto async_write_some(const Buffers& buffers, Token&& token) {
    return stream_.async_write_some(buffers, std::forward<Token>(token));
  }
  void expires_after(std::chrono::steady_clock::duration) {}
  void expires_at(std::chrono::steady_clock::time_point) {}
  void expires_never() {}
  TestConnection& socket() { return *this; }

  // tcp::socket's side.
  boost::asio::ip::tcp::endpoint remote_endpoint(boost::system::error_code& ec) const {
    ec = boost::asio::error::not_connected;
    return {};
  }
  void non_blocking(bool, boost::system::error_code& ec) { ec = {}; }
  [[nodiscard]] bool is_open() const { return !probe_->closed; }
  void shutdown(boost::asio::socket_base::shutdown_type, boost::system::error_code& ec) { close(ec); }
  void cancel(boost::system::error_code& ec) { close(ec); }
  void close(boost::system::error_code& ec) {
    ec = {};
    close();
  }
  void close() {
    probe_->closed = true;
    stream_.close();
  }
  template <class Buffers>
  std::size_t write_some(const Buffers& buffers, boost::system::error_code& ec) {
    return stream_.write_some(buffers, ec);
  }
  template <class Buffers>
  std::size_t read_some(const Buffers& buffers, boost::system::error_code& ec) {
    ec = {};
    if (peeked_ == 0) {
      ec = boost::asio::error::would_block;
      return 0;
    }
    const auto n = boost::asio::buffer_copy(buffers, boost::asio::buffer(peek_.data(), peeked_));
    std::memmove(peek_.data(), peek_.data() + n, peeked_ - n);
    peeked_ -= n;
    return n;
  }
  template <class Handler>
  void async_wait(boost::asio::socket_base::wait_type, Handler handler) {
    stream_.async_read_some(
        boost::asio::buffer(peek_.data() + peeked_, peek_.size() - peeked_),
        [this, handler = std::move(handler)](boost::system::error_code ec, std::size_t n) mutable {
          if (!ec) peeked_ += n;  // on an error this connection may be gone already
          handler(ec);
        });
  }

 private:
  boost::beast::test::stream stream_;
  std::shared_ptr<ConnectionProbe> probe_;
  std::array<char, 512> peek_{};
  std::size_t peeked_ = 0;
};

}  // namespace parley::net::testing
