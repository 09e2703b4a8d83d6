// The OpenAI-compatible API (docs/openai-api.md): GET /v1/models, GET /v1/models/{model} and
// POST /v1/chat/completions in OpenAI's wire format, authenticated by parley API keys, with OpenAI's error
// shape {"error":{"message","type","param","code"}}.
#pragma once

#include "api/route_contexts.hpp"
#include "net/http_types.hpp"

namespace parley::api {

boost::asio::awaitable<net::Response> get_openai_models(OpenAiRoutes& ctx, net::Request& req);
boost::asio::awaitable<net::Response> get_openai_model(OpenAiRoutes& ctx, net::Request& req);
boost::asio::awaitable<net::Response> post_openai_chat_completion(OpenAiRoutes& ctx, net::Request& req);

// An error of the native shape ({"detail": ...}) answered on a /v1 path by the server itself (413, 404,
// 405, 500, 403): rewritten into OpenAI's shape. Called by the request policy for every /v1 response.
void reshape_openai_error(net::Response& res);

}  // namespace parley::api
