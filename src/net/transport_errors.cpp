#include "net/transport_errors.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>

namespace parley::net {

namespace asio = boost::asio;

std::string readable(const boost::system::error_code& ec) {
  if (ec == asio::error::connection_refused) return "connection refused";
  if (ec == asio::error::connection_reset) return "connection reset";
  if (ec == asio::error::host_not_found || ec == asio::error::host_not_found_try_again)
    return "host not found";
  if (ec == asio::error::network_unreachable) return "network unreachable";
  if (ec.category() == asio::error::get_ssl_category() ||
      ec.category() == asio::ssl::error::get_stream_category()) {
    return "TLS failure (" + ec.message() + ")";
  }
  return ec.message();
}

TransportError head_failure(const ExchangeEnd& end, bool got_bytes) {
  if (end.cancelled) return {TransportError::Kind::cancelled, "cancelled"};
  if (end.timed_out) return {TransportError::Kind::timeout, "no response within the read timeout"};
  if (got_bytes) {
    return {TransportError::Kind::disconnected, "malformed or truncated response (" + end.ec.message() + ")"};
  }
  return {TransportError::Kind::unreachable, readable(end.ec)};
}

std::optional<TransportError> body_failure(const ExchangeEnd& end) {
  if (end.cancelled) return TransportError{TransportError::Kind::cancelled, "cancelled"};
  if (end.ec && end.timed_out)
    return TransportError{TransportError::Kind::timeout, "no data within the read timeout"};
  if (end.ec) {
    return TransportError{TransportError::Kind::disconnected,
                          "the connection closed before the response ended"};
  }
  return std::nullopt;
}

}  // namespace parley::net
