// POST /api/stt/deepgram/token (api.md §2.19): a short-lived token for the browser's speech-to-text socket.
#include "api/stt.hpp"

#include <boost/json.hpp>

#include "api/responses.hpp"
#include "core/json.hpp"
#include "core/log.hpp"
#include "stt/deepgram_token.hpp"

namespace parley::api {

boost::asio::awaitable<net::Response> post_deepgram_token(SttRoutes& ctx, net::Request&) {
  auto outcome = co_await stt::mint_deepgram_token(ctx.config, ctx.http);
  if (!outcome) co_return error_response(outcome.error());
  if (outcome->handed_out_key) {
    log::warn(
        "Deepgram refused to grant a token; DEEPGRAM_ALLOW_APIKEY_FALLBACK hands the API key itself to the "
        "browser (development only)");
  }
  boost::json::object body{{"access_token", outcome->access_token},
                           {"expires_in", outcome->expires_in ? boost::json::value(*outcome->expires_in)
                                                              : boost::json::value(nullptr)}};
  auto res = net::Response::json(200, json::serialize(body));
  res.carries_credential = outcome->handed_out_key;
  co_return res;
}

}  // namespace parley::api
