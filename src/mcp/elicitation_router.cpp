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
  for (auto it = routes_.rbegin(); it != routes_.rend(); ++it) {
    if (it->first == request.server_id) {
      handler = it->second;
      break;
    }
  }
  if (!handler || (request.mode == "url" && !handler->supports_url_mode())) {
    log::info("MCP server {} asked for input that no chat can give now; declined", request.server_id);
    co_return ElicitationAnswer{};
  }
  co_return co_await handler->elicit(std::move(request), cancel);
}

}  // namespace parley::mcp
