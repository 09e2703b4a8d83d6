#include "api/chat.hpp"

#include "api/public_base.hpp"
#include "api/responses.hpp"
#include "chat/chat_orchestrator.hpp"

namespace parley::api {

boost::asio::awaitable<net::Response> post_chat_stream(ChatRoutes& ctx, net::Request& req) {
  auto body = parse_json_body(req);
  if (!body) co_return error_response(body.error());
  auto request = chat::validate_chat_request(*body);
  if (!request) co_return error_response(request.error());
  request->public_base = public_base(ctx.config, req);
  net::Response res;
  res.headers.set("Content-Type", "text/event-stream; charset=utf-8");
  res.headers.set("Cache-Control", "no-store");
  auto* orchestrator = &ctx.turns;
  auto request_id = req.request_id;
  auto turn = std::make_shared<chat::ChatRequest>(std::move(*request));
  // Not a coroutine itself (a wrapper's frame would stay suspended for the whole stream): run_turn takes its
  // arguments by value into its own frame.
  res.sse = [orchestrator, turn, request_id](net::SseSink& sink) {
    return orchestrator->run_turn(std::move(*turn), request_id, sink);
  };
  co_return res;
}

}  // namespace parley::api
