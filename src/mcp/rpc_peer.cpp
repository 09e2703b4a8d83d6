#include "mcp/rpc_peer.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>

#include "core/log.hpp"

namespace parley::mcp {

namespace asio = boost::asio;
namespace bj = boost::json;

RpcPeer::RpcPeer(asio::any_io_executor strand, std::shared_ptr<Transport> transport, std::string server_id)
    : strand_(std::move(strand)), transport_(std::move(transport)), server_id_(std::move(server_id)) {}

namespace {

asio::awaitable<void> send_and_forget(std::shared_ptr<Transport> transport, std::string message) {
  (void)co_await transport->send(std::move(message));
}

std::string seconds_text(std::chrono::milliseconds ms) {
  if (ms.count() % 1000 == 0) return std::to_string(ms.count() / 1000) + " s";
  return std::to_string(ms.count()) + " ms";
}

}  // namespace

void RpcPeer::send_detached(std::string message) {
  asio::co_spawn(strand_, send_and_forget(transport_, std::move(message)), asio::detached);
}

asio::awaitable<Result<bj::value, Failure>> RpcPeer::request(std::string method, bj::object params,
                                                             std::chrono::milliseconds timeout,
                                                             CancelSignal* cancel, ProgressFn on_progress,
                                                             std::shared_ptr<ElicitationHandler> asker) {
  const std::int64_t id = next_id_++;
  auto pending = std::make_shared<Pending>(strand_);
  pending->on_progress = std::move(on_progress);
  pending->asker = std::move(asker);
  if (pending->on_progress) {
    params["_meta"] = bj::object{{"progressToken", id}};
  }
  pending->timeout = timeout;
  pending->hard_deadline = std::chrono::steady_clock::now() + timeout * kProgressTimeoutCap;
  pending->wake.expires_after(timeout);
  pending_[id] = pending;

  // The cancel signal fires on another thread: hop onto the strand before touching the timer.
  std::weak_ptr<Pending> weak = pending;
  auto strand = strand_;
  auto on_cancel = [weak, strand] {
    asio::post(strand, [weak] {
      if (auto p = weak.lock()) {
        p->cancelled = true;
        p->wake.cancel();
      }
    });
  };
  CancelRegistration registration(cancel, on_cancel);

  auto sent = co_await transport_->send(rpc::request(id, method, params));
  if (!sent) {
    pending_.erase(id);
    co_return fail("cannot send " + method + ": " + sent.error().message, sent.error().kind);
  }
  boost::system::error_code ec;
  while (!pending->answered && pending->failure.empty() && !pending->cancelled) {
    co_await pending->wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) break;  // the deadline passed
  }
  pending_.erase(id);
  if (pending->answered) {
    if (pending->error) co_return fail(rpc::describe_error(*pending->error));
    co_return Result<bj::value, Failure>(std::move(pending->result));
  }
  if (!pending->failure.empty()) co_return fail(pending->failure, pending->failure_kind);
  const std::string reason =
      pending->cancelled ? "cancelled by parley" : method + " timed out after " + seconds_text(timeout);
  send_detached(
      rpc::notification("notifications/cancelled", bj::object{{"requestId", id}, {"reason", reason}}));
  co_return fail(reason);
}

asio::awaitable<Result<void, Failure>> RpcPeer::notify(std::string method, bj::object params) {
  co_return co_await transport_->send(rpc::notification(method, params));
}

std::optional<std::shared_ptr<ElicitationHandler>> RpcPeer::asker_of(std::int64_t id) const {
  auto it = pending_.find(id);
  if (it == pending_.end()) return std::nullopt;
  return it->second->asker;
}

void RpcPeer::receive(const bj::value& message, std::optional<std::int64_t> related_request) {
  for (auto& in : rpc::classify(message)) {
    switch (in.kind) {
      case rpc::Incoming::Kind::response: {
        auto it = pending_.find(*in.id);
        if (it == pending_.end()) {
          log::debug("MCP server {}: answer for unknown or expired request id {}", server_id_, *in.id);
          break;
        }
        auto& p = *it->second;
        p.answered = true;
        if (in.error) p.error = std::move(in.error);
        if (in.result) p.result = std::move(*in.result);
        p.wake.cancel();
        break;
      }
      case rpc::Incoming::Kind::request:
        answer_server_request(in, related_request);
        break;
      case rpc::Incoming::Kind::notification:
        handle_notification(in);
        break;
      case rpc::Incoming::Kind::invalid:
        ++invalid_count_;
        log::warn("MCP server {} sent an invalid JSON-RPC message: {}", server_id_, in.problem);
        break;
    }
  }
}

void RpcPeer::fail_request(std::int64_t id, const Failure& failure) {
  auto it = pending_.find(id);
  if (it == pending_.end()) return;
  it->second->failure = failure.message.empty() ? "not sent" : failure.message;
  it->second->failure_kind = failure.kind;
  it->second->wake.cancel();
}

void RpcPeer::fail_all(const std::string& reason) {
  for (auto& [id, p] : pending_) {
    p->failure = reason;
    p->wake.cancel();
  }
}

void RpcPeer::answer_server_request(const rpc::Incoming& in, std::optional<std::int64_t> related_request) {
  if (in.method == "ping") {
    send_detached(rpc::result_response(in.raw_id, bj::object{}));
    return;
  }
  auto handler = server_requests_.lock();
  if (handler && handler->handles(in.method)) {
    asio::co_spawn(strand_,
                   answer_with(shared_from_this(), handler, in.raw_id, in.method, in.params, related_request),
                   asio::detached);
    return;
  }
  send_detached(rpc::error_response(in.raw_id, rpc::method_not_found, "Method not found: " + in.method));
}

asio::awaitable<void> RpcPeer::answer_with(std::shared_ptr<RpcPeer> self,
                                           std::shared_ptr<ServerRequests> handler, bj::value id,
                                           std::string method, bj::object params,
                                           std::optional<std::int64_t> related_request) {
  auto answer = co_await handler->answer(std::move(method), std::move(params), related_request);
  if (answer.result) {
    self->send_detached(rpc::result_response(id, *answer.result));
  } else {
    self->send_detached(rpc::error_response(id, answer.code, answer.message));
  }
}

void RpcPeer::handle_notification(const rpc::Incoming& in) {
  if (in.method == "notifications/progress") {
    const auto* token = in.params.if_contains("progressToken");
    if (token == nullptr) return;
    const auto request_id = rpc::numeric_id(*token);
    if (!request_id) return;
    auto it = pending_.find(*request_id);
    if (it == pending_.end() || !it->second->on_progress) return;
    auto& p = *it->second;
    // Still working: the timeout starts again (the waiting loop goes on after the aborted wait).
    p.wake.expires_at(std::min(std::chrono::steady_clock::now() + p.timeout, p.hard_deadline));
    p.on_progress(in.params);
    return;
  }
  if (in.method == "notifications/message") {
    std::string level = "info";
    if (const auto* l = in.params.if_contains("level"); l != nullptr && l->is_string()) {
      level = std::string(l->get_string());
    }
    std::string text;
    if (const auto* d = in.params.if_contains("data"))
      text = d->is_string() ? std::string(d->get_string()) : bj::serialize(*d);
    std::string logger;
    if (const auto* lg = in.params.if_contains("logger"); lg != nullptr && lg->is_string()) {
      logger = " [" + std::string(lg->get_string()) + "]";
    }
    if (level == "debug") {
      log::debug("MCP server {}{}: {}", server_id_, logger, text);
    } else if (level == "info" || level == "notice") {
      log::info("MCP server {}{}: {}", server_id_, logger, text);
    } else if (level == "warning") {
      log::warn("MCP server {}{}: {}", server_id_, logger, text);
    } else {
      log::error("MCP server {}{} ({}): {}", server_id_, logger, level, text);
    }
    return;
  }
  if (in.method == "notifications/cancelled")
    return;  // parley sends no long requests the server could cancel
  if (on_notification_) on_notification_(in.method, in.params);
}

}  // namespace parley::mcp
