#include "mcp/session.hpp"

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

Outcome<ToolCallResult> parse_tool_call_result(const bj::value& result) {
  if (!result.is_object()) return Outcome<ToolCallResult>::failure("tools/call result is not an object");
  const auto& o = result.get_object();
  ToolCallResult r;
  if (const auto* content = o.if_contains("content")) {
    if (!content->is_array())
      return Outcome<ToolCallResult>::failure("tools/call result content is not an array");
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

Outcome<std::string> parse_tools_page(const bj::value& result, std::vector<ToolDescription>& tools) {
  if (!result.is_object()) return Outcome<std::string>::failure("tools/list result is not an object");
  const auto& o = result.get_object();
  const auto* list = o.if_contains("tools");
  if (list == nullptr || !list->is_array())
    return Outcome<std::string>::failure("tools/list result has no tools array");
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

asio::awaitable<Outcome<Done>> McpSession::start(SessionCallbacks callbacks,
                                                 std::chrono::milliseconds timeout) {
  callbacks_ = std::move(callbacks);
  std::weak_ptr<McpSession> weak = weak_from_this();
  TransportEvents events;
  events.on_message = [weak](bj::value message) {
    if (auto self = weak.lock()) self->peer_->receive(message);
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
  auto opened = co_await transport_->open(std::move(events));
  if (!opened) co_return opened;

  bj::object params{
      {"protocolVersion", latest_protocol_version},
      {"capabilities", bj::object{}},
      {"clientInfo", bj::object{{"name", "parley"}, {"version", PARLEY_VERSION}}},
  };
  auto answer = co_await peer_->request("initialize", std::move(params), timeout);
  if (!answer) co_return Outcome<Done>::failure("initialize failed: " + answer.error());
  const auto* result = answer.value().if_object();
  const bj::value* version = result != nullptr ? result->if_contains("protocolVersion") : nullptr;
  if (version == nullptr || !version->is_string()) {
    co_return Outcome<Done>::failure("initialize answer has no protocolVersion");
  }
  protocol_version_ = std::string(version->get_string());
  if (!is_supported_protocol_version(protocol_version_)) {
    co_return Outcome<Done>::failure("the server speaks MCP protocol version " + protocol_version_ +
                                     ", which parley does not support (it supports 2025-11-25, 2025-06-18, "
                                     "2025-03-26 and 2024-11-05)");
  }
  transport_->set_protocol_version(protocol_version_);
  auto sent = co_await peer_->notify("notifications/initialized", {});
  if (!sent) co_return Outcome<Done>::failure("cannot send notifications/initialized: " + sent.error());
  alive_ = true;
  co_return success();
}

asio::awaitable<Outcome<std::vector<ToolDescription>>> McpSession::list_tools(
    std::chrono::milliseconds timeout) {
  using R = Outcome<std::vector<ToolDescription>>;
  std::vector<ToolDescription> tools;
  std::string cursor;
  std::set<std::string> seen_cursors;
  for (int page = 0; page < 1000; ++page) {
    bj::object params;
    if (!cursor.empty()) params["cursor"] = cursor;
    auto answer = co_await peer_->request("tools/list", std::move(params), timeout);
    if (!answer) co_return R::failure("tools/list failed: " + answer.error());
    auto next = parse_tools_page(answer.value(), tools);
    if (!next) co_return R::failure(next.error());
    cursor = next.value();
    if (cursor.empty()) co_return R(std::move(tools));
    if (!seen_cursors.insert(cursor).second) {
      co_return R::failure("tools/list returned the cursor \"" + cursor + "\" twice (pagination loop)");
    }
  }
  co_return R::failure("tools/list did not finish after 1000 pages");
}

asio::awaitable<Outcome<ToolCallResult>> McpSession::call_tool(std::string name, bj::object arguments,
                                                               std::chrono::milliseconds timeout,
                                                               CancelSignal* cancel) {
  bj::object params{{"name", name}, {"arguments", std::move(arguments)}};
  const std::string server = server_id_;
  auto on_progress = [server, name](const bj::object& progress) {
    const auto* p = progress.if_contains("progress");
    const auto* total = progress.if_contains("total");
    log::debug("MCP server {}: tool {} progress {}{}", server, name, p != nullptr ? bj::serialize(*p) : "?",
               total != nullptr ? "/" + bj::serialize(*total) : "");
  };
  auto answer = co_await peer_->request("tools/call", std::move(params), timeout, cancel, on_progress);
  if (!answer) co_return Outcome<ToolCallResult>::failure(answer.error());
  co_return parse_tool_call_result(answer.value());
}

asio::awaitable<Outcome<Done>> McpSession::ping(std::chrono::milliseconds timeout) {
  auto answer = co_await peer_->request("ping", {}, timeout);
  if (!answer) co_return Outcome<Done>::failure(answer.error());
  co_return success();
}

asio::awaitable<void> McpSession::close() {
  if (closed_) co_return;
  closed_ = true;
  alive_ = false;
  peer_->fail_all("the server is being stopped");
  co_await transport_->close();
}

}  // namespace parley::mcp
