// The HTTP client's idle upstream connections, kept for reuse per scheme, host and port, and the one TLS
// context its https connections share.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "net/client_connection.hpp"

namespace parley::net {

class ConnectionPool {
 public:
  // The TLS context for an https target (made on first use), null for plain HTTP.
  boost::asio::ssl::context* tls_context_for(const ClientTarget& target) {
    return target.tls ? &tls() : nullptr;
  }

  // The most recently returned connection to `key` that is still open and not idle for too long, or null.
  std::shared_ptr<ClientConnection> take(const std::string& key);
  // A connection whose response ended cleanly, for the next request to the same target (16 per target).
  void give_back(std::shared_ptr<ClientConnection> c);

 private:
  // The TLS context is made on the first https connection: loading the system's CA bundle takes 20-70 ms,
  // which start-up (P4) should not pay for a server that may only ever talk plain HTTP.
  boost::asio::ssl::context& tls();

  // An upstream closes idle connections after a while; one idle this long is not worth trying.
  static constexpr auto kIdleLimit = std::chrono::seconds(50);
  static constexpr std::size_t kIdlePerTarget = 16;

  std::once_flag tls_once_;
  std::optional<boost::asio::ssl::context> tls_context_;
  std::mutex mutex_;
  std::map<std::string, std::deque<std::shared_ptr<ClientConnection>>> idle_;
};

}  // namespace parley::net
