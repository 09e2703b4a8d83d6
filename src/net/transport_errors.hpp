// What went wrong with an upstream exchange, in words a log reader or a user understands, and which kind of
// TransportError it is.
#pragma once

#include <boost/system/error_code.hpp>
#include <string>

#include "net/http_client.hpp"

namespace parley::net {

// "connection refused", "host not found", "TLS failure (...)", else the error's own message.
std::string readable(const boost::system::error_code& ec);

// How an exchange ended for the connection: closed by its watchdog, by a cancel, or by `ec` itself.
struct ExchangeEnd {
  boost::system::error_code ec;
  bool timed_out = false;
  bool cancelled = false;
};

// Before the response head was complete; `got_bytes`: some of the response had arrived.
TransportError head_failure(const ExchangeEnd& end, bool got_bytes);

// While relaying the body; null when the body ended normally.
std::optional<TransportError> body_failure(const ExchangeEnd& end);

}  // namespace parley::net
