// How the HTTP transports get authorization for a remote MCP server without knowing OAuth: a header for each
// request, and a chance to recover when the server refuses one with 401 or 403 (then the transport sends the
// same request again). mcp::oauth::OAuthAuthorizer implements it.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>
#include <vector>

#include "mcp/failure.hpp"

namespace parley::mcp {

// What the server's last refusal said about where to authorize (its Bearer challenge).
struct AuthorizationHint {
  std::optional<std::string> resource_metadata;  // URL of the protected resource metadata
  std::optional<std::string> scope;
};

class HttpAuthorizer {
 public:
  virtual ~HttpAuthorizer() = default;
  // The Authorization header value for the next request (an expired token is refreshed first); nullopt when
  // parley holds no token for the server yet.
  virtual boost::asio::awaitable<std::optional<std::string>> authorization() = 0;
  // A request was refused with `status` (401 or 403) and these WWW-Authenticate field values. `attempt`
  // counts the refusals of this one request (1 on the first). Success: a retry may now succeed. A failure
  // says why not, and what the person can do about it.
  virtual boost::asio::awaitable<Result<void, Failure>> recover(int status,
                                                                std::vector<std::string> challenges,
                                                                int attempt) = 0;
  // True when the last refusal can only be cured by a person authorizing in a browser (no prompt here).
  [[nodiscard]] virtual bool needs_person() const { return false; }
  [[nodiscard]] virtual AuthorizationHint hint() const { return {}; }
};

}  // namespace parley::mcp
