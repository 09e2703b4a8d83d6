#include "net/http_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <mutex>
#include <set>
#include <vector>

#include "core/log.hpp"
#include "net/connection_limit.hpp"
#include "net/server_connection.hpp"
#include "net/tls_certificates.hpp"

namespace parley::net {

using tcp = asio::ip::tcp;
using asio::awaitable;
constexpr auto as_tuple_awaitable = asio::as_tuple(asio::use_awaitable);

struct HttpServer::Impl final : ConnectionHost, std::enable_shared_from_this<HttpServer::Impl> {
  Impl(asio::io_context& ioc_, ServerOptions opts, const Router& r, const StaticFiles& s, RequestPolicy& p)
      : ConnectionHost(
            opts, r, s, p,
            opts.max_connections ? opts.max_connections : connection_limit_for(open_files_limit())),
        ioc(ioc_),
        acceptor(asio::make_strand(ioc_)),
        change(acceptor.get_executor()) {}

  void closed(const std::shared_ptr<ServerConnection>& connection) override;

  asio::io_context& ioc;
  tcp::acceptor acceptor;
  // The accept loop waits on this timer for a slot or an idle connection; ConnectionLimit's wake-up cancels
  // it.
  asio::steady_timer change;

  std::mutex mutex;
  std::set<std::shared_ptr<ServerConnection>> connections;
  bool stopping = false;
  std::function<void()> on_stopped;

  awaitable<void> accept_loop();
  // Until the limit's state changes (a connection closed or went idle), or `timeout` passes.
  awaitable<void> wait_for_change(std::uint64_t seen, std::chrono::milliseconds timeout);
};

namespace {

// Accept failures that mean "no descriptor or memory for a new socket right now": retrying at once would
// spin, since the waiting client stays in the backlog and fails the next accept the same way.
bool out_of_descriptors(const boost::system::error_code& ec) {
  namespace errc = boost::system::errc;
  return ec == errc::too_many_files_open || ec == errc::too_many_files_open_in_system ||
         ec == errc::no_buffer_space || ec == errc::not_enough_memory;
}

// At most one line a minute for a condition that may repeat for every client.
bool log_due(std::chrono::steady_clock::time_point& last) {
  const auto now = std::chrono::steady_clock::now();
  if (last != std::chrono::steady_clock::time_point{} && now - last < std::chrono::minutes(1)) return false;
  last = now;
  return true;
}

}  // namespace

awaitable<void> HttpServer::Impl::accept_loop() {
  auto self = shared_from_this();
  constexpr std::chrono::milliseconds kFirstBackoff{10};
  constexpr std::chrono::milliseconds kMaxBackoff{1000};
  std::chrono::milliseconds backoff{0};
  std::chrono::steady_clock::time_point full_logged{};
  std::chrono::steady_clock::time_point descriptors_logged{};
  for (;;) {
    const auto seen = limit.changes();
    if (limit.full()) {
      // Room is made only for a client that is actually waiting: until then idle connections stay open.
      auto [wec] = co_await acceptor.async_wait(tcp::acceptor::wait_read, as_tuple_awaitable);
      if (wec || !acceptor.is_open()) co_return;
      if (limit.changes() != seen) continue;  // a slot may have freed meanwhile
      if (!limit.evict_oldest_idle() && log_due(full_logged)) {
        log::warn(
            "Connection limit of {} reached and no connection is idle: new clients wait until one closes "
            "(PARLEY_MAX_CONNECTIONS)",
            limit.max_open());
      }
      co_await wait_for_change(seen, std::chrono::milliseconds::max());
      continue;
    }
    auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(ioc), as_tuple_awaitable);
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      if (out_of_descriptors(ec)) {
        // Keep serving the connections we have; try again when one closes (an idle one is closed for the
        // waiting client) or after a back-off.
        backoff = backoff.count() == 0 ? kFirstBackoff : std::min(backoff * 2, kMaxBackoff);
        if (log_due(descriptors_logged)) {
          log::warn(
              "Cannot accept a connection ({}) with {} open: backing off. Raise the open-files limit (ulimit "
              "-n) or lower PARLEY_MAX_CONNECTIONS",
              ec.message(), limit.open());
        }
        limit.evict_oldest_idle();
        co_await wait_for_change(seen, backoff);
      }
      continue;  // otherwise (e.g. the client already reset the connection) the next client
    }
    backoff = std::chrono::milliseconds(0);
    socket.set_option(tcp::no_delay(true), ec);
    auto connection = options.tls ? make_https_session(std::move(socket), options.tls->context(), self)
                                  : make_http_session(std::move(socket), self);
    {
      std::lock_guard lock(mutex);
      if (stopping) continue;
      connections.insert(connection);
    }
    limit.opened();
    connection->start();
  }
}

awaitable<void> HttpServer::Impl::wait_for_change(std::uint64_t seen, std::chrono::milliseconds timeout) {
  if (!limit.arm_wait(seen)) co_return;  // it changed already
  if (timeout == std::chrono::milliseconds::max()) {
    change.expires_at(asio::steady_timer::time_point::max());
  } else {
    change.expires_after(timeout);
  }
  co_await change.async_wait(as_tuple_awaitable);
}

void HttpServer::Impl::closed(const std::shared_ptr<ServerConnection>& connection) {
  limit.closed(*connection);
  std::lock_guard lock(mutex);
  connections.erase(connection);
  if (stopping && connections.empty() && on_stopped) {
    auto cb = std::move(on_stopped);
    on_stopped = nullptr;
    asio::post(ioc, std::move(cb));
  }
}

HttpServer::HttpServer(asio::io_context& ioc, ServerOptions options, const Router& router,
                       const StaticFiles& ui, RequestPolicy& policy)
    : impl_(std::make_shared<Impl>(ioc, std::move(options), router, ui, policy)) {}

HttpServer::~HttpServer() = default;

boost::system::error_code HttpServer::listen() {
  boost::system::error_code ec;
  auto address =
      asio::ip::make_address(impl_->options.host == "localhost" ? "127.0.0.1" : impl_->options.host, ec);
  if (ec) return ec;
  tcp::endpoint ep(address, impl_->options.port);
  impl_->acceptor.open(ep.protocol(), ec);
  if (ec) return ec;
  impl_->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  impl_->acceptor.bind(ep, ec);
  if (ec) return ec;
  impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  return ec;
}

std::uint16_t HttpServer::port() const {
  boost::system::error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

void HttpServer::start() {
  impl_->limit.on_change([weak = std::weak_ptr<Impl>(impl_)] {
    if (auto impl = weak.lock()) asio::post(impl->change.get_executor(), [impl] { impl->change.cancel(); });
  });
  asio::co_spawn(impl_->acceptor.get_executor(), impl_->accept_loop(), asio::detached);
}

std::size_t HttpServer::max_connections() const {
  return impl_->limit.max_open();
}

void HttpServer::shutdown(std::function<void()> done) {
  // All in one handler on the accept loop's strand: the loop sees the acceptor closed and `stopping`
  // together, and `done` is posted from inside the handler, so the io_context cannot run out of work (and
  // return from run()) between the accept loop's end and the posting of `done`.
  asio::post(impl_->acceptor.get_executor(), [impl = impl_, done = std::move(done)]() mutable {
    boost::system::error_code ec;
    impl->acceptor.close(ec);
    impl->change.cancel();  // an accept loop waiting for room
    std::vector<std::shared_ptr<ServerConnection>> current;
    {
      std::lock_guard lock(impl->mutex);
      impl->stopping = true;
      current.assign(impl->connections.begin(), impl->connections.end());
      if (current.empty()) {
        asio::post(impl->ioc, std::move(done));
        return;
      }
      impl->on_stopped = std::move(done);
    }
    for (auto& c : current) c->close_if_idle();
    auto timer = std::make_shared<asio::steady_timer>(impl->ioc, impl->options.shutdown_grace);
    timer->async_wait([impl, timer](boost::system::error_code) {
      std::vector<std::shared_ptr<ServerConnection>> left;
      {
        std::lock_guard lock(impl->mutex);
        left.assign(impl->connections.begin(), impl->connections.end());
      }
      for (auto& c : left) c->force_close();
    });
  });
}

}  // namespace parley::net
