#include "mcp/session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>
#include <set>

#include "core/log.hpp"

namespace parley::mcp {

namespace asio = boost::asio;
namespace bj = boost::json;

bool is_supported_protocol_version(std::string_view version) {
  return version == "2025-11-25" || version == "2025-06-18" || version == "2025-03-26" ||
         version == "2024-11-05";
}

Result<ToolCallResult, Failure> parse_tool_call_result(const bj::value& result) {
  if (!result.is_object()) return fail("tools/call result is not an object");
  const auto& o = result.get_object();
  ToolCallResult r;
  if (const auto* content = o.if_contains("content")) {
    if (!content->is_array()) return fail("tools/call result content is not an array");
    r.content = content->get_array();
  }
  if (const auto* is_error = o.if_contains("isError"); is_error != nullptr && is_error->is_bool()) {
    r.is_error = is_error->get_bool();
  }
  if (const auto* sc = o.if_contains("structuredContent"); sc != nullptr && !sc->is_null()) {
    r.structured_content = *sc;
  }
  return r;
}

Result<std::string, Failure> parse_tools_page(const bj::value& result, std::vector<ToolDescription>& tools) {
  if (!result.is_object()) return fail("tools/list result is not an object");
  const auto& o = result.get_object();
  const auto* list = o.if_contains("tools");
  if (list == nullptr || !list->is_array()) return fail("tools/list result has no tools array");
  for (const auto& item : list->get_array()) {
    if (!item.is_object()) continue;
    const auto& t = item.get_object();
    const auto* name = t.if_contains("name");
    if (name == nullptr || !name->is_string() || name->get_string().empty()) continue;
    ToolDescription d;
    d.name = std::string(name->get_string());
    if (const auto* desc = t.if_contains("description"); desc != nullptr && desc->is_string()) {
      d.description = std::string(desc->get_string());
    }
    if (const auto* schema = t.if_contains("inputSchema"); schema != nullptr && schema->is_object()) {
      d.input_schema = *schema;
    }
    if (const auto* notes = t.if_contains("annotations"); notes != nullptr && notes->is_object()) {
      const auto* hint = notes->get_object().if_contains("destructiveHint");
      d.destructive = hint != nullptr && hint->is_bool() && hint->get_bool();
    }
    tools.push_back(std::move(d));
  }
  std::string cursor;
  if (const auto* next = o.if_contains("nextCursor"); next != nullptr && next->is_string()) {
    cursor = std::string(next->get_string());
  }
  return cursor;
}

McpSession::McpSession(asio::any_io_executor strand, std::string server_id,
                       std::shared_ptr<Transport> transport)
    : strand_(std::move(strand)), server_id_(std::move(server_id)), transport_(std::move(transport)) {
  peer_ = std::make_shared<RpcPeer>(strand_, transport_, server_id_);
}

asio::awaitable<Result<void, Failure>> McpSession::start(SessionCallbacks callbacks,
                                                         std::chrono::milliseconds timeout) {
  callbacks_ = std::move(callbacks);
  std::weak_ptr<McpSession> weak = weak_from_this();
  TransportEvents events;
  events.on_message = [weak](bj::value message, std::optional<std::int64_t> related_request) {
    if (auto self = weak.lock()) self->peer_->receive(message, related_request);
  };
  events.on_request_failed = [weak](std::int64_t request_id, Failure failure) {
    if (auto self = weak.lock()) self->peer_->fail_request(request_id, failure);
  };
  events.on_closed = [weak](std::string reason) {
    auto self = weak.lock();
    if (!self) return;
    const bool was_alive = self->alive_;
    self->alive_ = false;
    self->peer_->fail_all("the connection to the server was lost: " + reason);
    if (was_alive && !self->closed_ && self->callbacks_.on_closed) self->callbacks_.on_closed(reason);
  };
  peer_->on_notification([weak](const std::string& method, const bj::object&) {
    auto self = weak.lock();
    if (!self) return;
    if (method == "notifications/tools/list_changed") {
      if (self->callbacks_.on_tools_changed) self->callbacks_.on_tools_changed();
    }
  });
  peer_->serve_requests(std::weak_ptr<ServerRequests>(shared_from_this()));
  auto opened = co_await transport_->open(std::move(events));
  if (!opened) co_return opened;

  bj::object params{
      {"protocolVersion", latest_protocol_version},
      {"capabilities", client_capabilities()},
      {"clientInfo", bj::object{{"name", "parley"}, {"version", PARLEY_VERSION}}},
  };
  auto answer = co_await peer_->request("initialize", std::move(params), timeout);
  if (!answer) co_return fail("initialize failed: " + answer.error().message);
  const auto* result = answer.value().if_object();
  const bj::value* version = result != nullptr ? result->if_contains("protocolVersion") : nullptr;
  if (version == nullptr || !version->is_string()) {
    co_return fail("initialize answer has no protocolVersion");
  }
  protocol_version_ = std::string(version->get_string());
  if (!is_supported_protocol_version(protocol_version_)) {
    co_return fail("the server speaks MCP protocol version " + protocol_version_ +
                   ", which parley does not support (it supports 2025-11-25, 2025-06-18, "
                   "2025-03-26 and 2024-11-05)");
  }
  transport_->set_protocol_version(protocol_version_);
  auto sent = co_await peer_->notify("notifications/initialized", {});
  if (!sent) co_return fail("cannot send notifications/initialized: " + sent.error().message);
  alive_ = true;
  co_return success();
}

asio::awaitable<Result<std::vector<ToolDescription>, Failure>> McpSession::list_tools(
    std::chrono::milliseconds timeout) {
  using R = Result<std::vector<ToolDescription>, Failure>;
  std::vector<ToolDescription> tools;
  std::string cursor;
  std::set<std::string> seen_cursors;
  for (int page = 0; page < 1000; ++page) {
    bj::object params;
    if (!cursor.empty()) params["cursor"] = cursor;
    auto answer = co_await peer_->request("tools/list", std::move(params), timeout);
    if (!answer) co_return fail("tools/list failed: " + answer.error().message);
    auto next = parse_tools_page(answer.value(), tools);
    if (!next) co_return next.error();
    cursor = next.value();
    if (cursor.empty()) co_return R(std::move(tools));
    if (!seen_cursors.insert(cursor).second) {
      co_return fail("tools/list returned the cursor \"" + cursor + "\" twice (pagination loop)");
    }
  }
  co_return fail("tools/list did not finish after 1000 pages");
}

asio::awaitable<Result<ToolCallResult, Failure>> McpSession::call_tool(
    std::string name, bj::object arguments, std::chrono::milliseconds timeout, CancelSignal* cancel,
    std::shared_ptr<ElicitationHandler> asker) {
  bj::object params{{"name", name}, {"arguments", std::move(arguments)}};
  const std::string server = server_id_;
  auto on_progress = [server, name](const bj::object& progress) {
    const auto* p = progress.if_contains("progress");
    const auto* total = progress.if_contains("total");
    log::debug("MCP server {}: tool {} progress {}{}", server, name, p != nullptr ? bj::serialize(*p) : "?",
               total != nullptr ? "/" + bj::serialize(*total) : "");
  };
  auto answer = co_await peer_->request("tools/call", std::move(params), timeout, cancel, on_progress,
                                        std::move(asker));
  if (!answer) co_return answer.error();
  co_return parse_tool_call_result(answer.value());
}

asio::awaitable<Result<void, Failure>> McpSession::ping(std::chrono::milliseconds timeout) {
  auto answer = co_await peer_->request("ping", {}, timeout);
  if (!answer) co_return answer.error();
  co_return success();
}

void McpSession::set_elicitation_handler(std::shared_ptr<ElicitationHandler> handler,
                                         std::chrono::milliseconds timeout) {
  elicitation_ = std::move(handler);
  elicitation_timeout_ = timeout;
}

bj::object McpSession::client_capabilities() const {
  bj::object capabilities;
  if (elicitation_) {
    bj::object modes{{"form", bj::object{}}};
    if (elicitation_->supports_url_mode()) modes["url"] = bj::object{};
    capabilities["elicitation"] = std::move(modes);
  }
  return capabilities;
}

bool McpSession::handles(const std::string& method) const {
  return method == "elicitation/create";
}

asio::awaitable<ServerRequests::Answer> McpSession::answer(std::string method, bj::object params,
                                                           std::optional<std::int64_t> related_request) {
  if (method == "elicitation/create")
    co_return co_await answer_elicitation(std::move(params), related_request);
  co_return Answer{std::nullopt, rpc::method_not_found, "Method not found: " + method};
}

namespace {

// The handler's answer, shared between the detached call and the waiting answer_elicitation.
struct ElicitationWait {
  explicit ElicitationWait(asio::any_io_executor ex) : wake(std::move(ex)) {}
  asio::steady_timer wake;
  std::optional<ElicitationAnswer> answer;
  CancelSignal cancel;
};

asio::awaitable<void> run_elicitation(std::shared_ptr<ElicitationHandler> handler, ElicitationRequest request,
                                      std::shared_ptr<ElicitationWait> wait) {
  auto answer = co_await handler->elicit(std::move(request), &wait->cancel);
  wait->answer = std::move(answer);
  wait->wake.cancel();
}

}  // namespace

asio::awaitable<ServerRequests::Answer> McpSession::answer_elicitation(
    bj::object params, std::optional<std::int64_t> related_request) {
  auto request = parse_elicitation_request(server_id_, params);
  if (!request) co_return Answer{std::nullopt, rpc::invalid_params, request.error().message};
  // A question that came on a call's own response stream goes to whoever made that call, and to nobody else
  // when that call is over; a call made without an asker (`parley mcp`) uses the session's handler. Others
  // (stdio, the standalone stream) go to the session's handler, which routes them by server.
  std::shared_ptr<ElicitationHandler> handler = elicitation_;
  if (related_request && elicitation_) {
    auto asker = peer_->asker_of(*related_request);
    if (!asker) {
      log::info("MCP server {} asked for input for a request that is over; declined", server_id_);
      co_return Answer{bj::value(elicitation_result({})), 0, {}};
    }
    if (*asker) handler = std::move(*asker);
  }
  const bool answerable =
      handler && !closed_ && (request.value().mode == "form" || handler->supports_url_mode());
  if (!answerable) {
    log::info("MCP server {} asked for input (elicitation) that nobody here can give; declined", server_id_);
    co_return Answer{bj::value(elicitation_result({})), 0, {}};
  }
  auto wait = std::make_shared<ElicitationWait>(strand_);
  wait->wake.expires_after(elicitation_timeout_);
  std::weak_ptr<ElicitationWait> weak = wait;
  CancelRegistration on_end(&ending_, [weak] {
    if (auto w = weak.lock()) w->cancel.cancel();
  });
  // The handler may run on another thread's terms (a terminal, a browser); its answer comes back here.
  auto strand = strand_;
  CancelRegistration wake_on_cancel(&wait->cancel, [weak, strand] {
    asio::post(strand, [weak] {
      if (auto w = weak.lock()) w->wake.cancel();
    });
  });
  asio::co_spawn(strand_, run_elicitation(handler, std::move(request.value()), wait), asio::detached);
  while (!wait->answer && !wait->cancel.cancelled()) {
    auto [ec] = co_await wait->wake.async_wait(asio::as_tuple(asio::use_awaitable));
    if (!ec) break;  // the time for an answer is up
  }
  if (!wait->answer) {
    wait->cancel.cancel();
    log::info("MCP server {}: no answer to its elicitation in time; cancelled", server_id_);
    co_return Answer{bj::value(elicitation_result({ElicitationAction::cancel, {}})), 0, {}};
  }
  co_return Answer{bj::value(elicitation_result(*wait->answer)), 0, {}};
}

asio::awaitable<void> McpSession::close() {
  if (closed_) co_return;
  closed_ = true;
  alive_ = false;
  ending_.cancel();
  peer_->fail_all("the server is being stopped");
  co_await transport_->close();
}

}  // namespace parley::mcp
