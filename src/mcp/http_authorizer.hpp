// How the HTTP transports get authorization for a remote MCP server without knowing OAuth: a header for each
// request, and a chance to recover when the server refuses one with 401 or 403 (then the transport sends the
// same request again). mcp::oauth::OAuthAuthorizer implements it.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>
#include <vector>

#include "mcp/outcome.hpp"

namespace parley::mcp {

class HttpAuthorizer {
 public:
  virtual ~HttpAuthorizer() = default;
  // The Authorization header value for the next request (an expired token is refreshed first); nullopt when
  // parley holds no token for the server yet.
  virtual boost::asio::awaitable<std::optional<std::string>> authorization() = 0;
  // A request was refused with `status` (401 or 403) and these WWW-Authenticate field values. `attempt`
  // counts the refusals of this one request (1 on the first). Success: a retry may now succeed. A failure
  // says why not, and what the person can do about it.
  virtual boost::asio::awaitable<Outcome<Done>> recover(int status, std::vector<std::string> challenges,
                                                        int attempt) = 0;
};

}  // namespace parley::mcp
