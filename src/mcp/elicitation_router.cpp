#include "mcp/elicitation_router.hpp"

#include "core/log.hpp"

namespace parley::mcp {

ElicitationRouter::Registration ElicitationRouter::route(std::string server_id,
                                                         std::shared_ptr<ElicitationHandler> handler) {
  if (!handler) return {};
  routes_.emplace_back(std::move(server_id), std::move(handler));
  return {this, std::prev(routes_.end())};
}

boost::asio::awaitable<ElicitationAnswer> ElicitationRouter::elicit(ElicitationRequest request,
                                                                    CancelSignal* cancel) {
  std::shared_ptr<ElicitationHandler> handler;
  int calls = 0;
  for (auto it = routes_.rbegin(); it != routes_.rend(); ++it) {
    if (it->first == request.server_id && ++calls == 1) handler = it->second;
  }
  // A link (URL mode) is bound to one person's flow: with several calls on the server in flight, "the most
  // recent" could send one person's sign-in link to another, so it is declined instead.
  if (request.mode == "url" && calls > 1) {
    log::info("MCP server {} sent a link while several chats call it, and nothing says whose it is; declined",
              request.server_id);
    co_return ElicitationAnswer{};
  }
  if (!handler || (request.mode == "url" && !handler->supports_url_mode())) {
    log::info("MCP server {} asked for input that no chat can give now; declined", request.server_id);
    co_return ElicitationAnswer{};
  }
  co_return co_await handler->elicit(std::move(request), cancel);
}

}  // namespace parley::mcp
