// Short-lived Deepgram tokens for the browser (api.md §2.19): POST {DEEPGRAM_BASE_URL}/v1/auth/grant with the
// server's key, and the mapping of every upstream answer to the route's response. The token is never logged.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>

#include "core/config.hpp"
#include "core/error.hpp"
#include "net/http_client.hpp"

namespace parley::stt {

struct DeepgramToken {
  std::string access_token;
  std::optional<long long> expires_in;
  bool handed_out_key = false;  // the API-key fallback was used (the route logs a warning)
};

// Maps the grant endpoint's answer (status, body, dg-error header) to a token or the route's error.
Result<DeepgramToken> map_grant_response(const Config& config, int status, const std::string& body,
                                         const std::optional<std::string>& dg_error);
// Asks Deepgram for a token.
boost::asio::awaitable<Result<DeepgramToken>> mint_deepgram_token(const Config& config,
                                                                  net::HttpClient& client);

}  // namespace parley::stt
