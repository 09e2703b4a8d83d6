#include "api/chat.hpp"

#include "api/public_base.hpp"
#include "api/responses.hpp"
#include "chat/chat_orchestrator.hpp"
#include "chat/turn_interactions.hpp"

namespace parley::api {

boost::asio::awaitable<net::Response> post_chat_stream(ChatRoutes& ctx, net::Request& req) {
  auto body = parse_json_body(req);
  if (!body) co_return error_response(body.error());
  auto request = chat::validate_chat_request(*body);
  if (!request) co_return error_response(request.error());
  request->public_base = public_base(ctx.config, req);
  request->interactions = chat::InteractionSupport::from_header(req.header("Parley-Interactions"));
  net::Response res;
  res.headers.set("Content-Type", "text/event-stream; charset=utf-8");
  res.headers.set("Cache-Control", "no-store");
  auto* orchestrator = &ctx.turns;
  auto request_id = req.request_id;
  auto turn = std::make_shared<chat::ChatRequest>(std::move(*request));
  // Not a coroutine itself (a wrapper's frame would stay suspended for the whole stream): run_turn takes its
  // arguments by value into its own frame, and the lambda lets go of the request once it has handed it over
  // (the lambda itself is kept with the response for the length of the stream, P3).
  res.sse = [orchestrator, turn, request_id](net::SseSink& sink) mutable {
    const auto handed = std::move(turn);
    return orchestrator->run_turn(std::move(*handed), std::move(request_id), sink);
  };
  co_return res;
}

// POST /api/chat/interactions/{interaction_id}: the person's answer to a question of a running turn
// (elicitation: {"action","content"}; tool approval: {"approved"}). 404 when nothing waits for it.
boost::asio::awaitable<net::Response> post_chat_interaction(ChatRoutes& ctx, net::Request& req) {
  auto body = parse_json_body(req);
  if (!body) co_return error_response(body.error());
  if (!body->is_object()) co_return error_response(422, "The answer must be a JSON object");
  if (ctx.interactions == nullptr ||
      !ctx.interactions->answer(req.path_params["interaction_id"], body->get_object())) {
    co_return error_response(404,
                             "No question of a running turn has this id (answered, timed out or unknown)");
  }
  co_return net::Response::no_content();
}

}  // namespace parley::api
