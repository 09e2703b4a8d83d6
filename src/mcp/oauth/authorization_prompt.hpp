// The step of the authorization code flow that needs a person: open the authorization URL in a browser and
// hand back what the authorization server redirected to. The CLI implements it with a local callback
// (oauth/loopback_prompt.hpp); the web UI will implement it with parley's own callback route.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <string>

#include "core/cancel_signal.hpp"
#include "mcp/failure.hpp"
#include "mcp/oauth/form_encoding.hpp"

namespace parley::mcp::oauth {

class AuthorizationPrompt {
 public:
  virtual ~AuthorizationPrompt() = default;
  // The redirect URI the authorization server is to send the browser back to (prepares to receive it).
  virtual boost::asio::awaitable<Result<std::string, Failure>> redirect_uri() = 0;
  // Shows `authorization_url` to the person and waits for the redirect carrying `state`; its query
  // parameters.
  virtual boost::asio::awaitable<Result<FormFields, Failure>> authorize(std::string server_url,
                                                                        std::string authorization_url,
                                                                        std::string state,
                                                                        CancelSignal* cancel) = 0;
};

}  // namespace parley::mcp::oauth
