#include "chat/turn_interactions.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/ids.hpp"
#include "core/json.hpp"

namespace parley::chat {

namespace asio = boost::asio;
namespace bj = boost::json;

InteractionSupport InteractionSupport::from_header(std::string_view header) {
  InteractionSupport s;
  std::size_t i = 0;
  while (i < header.size()) {
    auto end = header.find(',', i);
    if (end == std::string_view::npos) end = header.size();
    auto word = header.substr(i, end - i);
    while (!word.empty() && (word.front() == ' ' || word.front() == '\t')) word.remove_prefix(1);
    while (!word.empty() && (word.back() == ' ' || word.back() == '\t')) word.remove_suffix(1);
    if (word == "elicitation") s.elicitation = true;
    if (word == "elicitation-url") s.elicitation_url = true;
    if (word == "tool-approval") s.tool_approval = true;
    i = end + 1;
  }
  return s;
}

// The answer travels through a thread-safe channel: the POST that answers runs on another connection's
// thread.
struct TurnInteractions::Waiter {
  explicit Waiter(const asio::any_io_executor& ex) : channel(ex, 1) {}
  asio::experimental::concurrent_channel<void(boost::system::error_code, bj::object)> channel;
};

namespace {

std::string frame(std::string_view event, const bj::object& payload) {
  return net::format_sse_event(event, json::serialize(payload));
}

asio::awaitable<std::optional<bj::object>> receive_until(std::shared_ptr<TurnInteractions::Waiter> waiter,
                                                         std::chrono::milliseconds timeout) {
  using namespace asio::experimental::awaitable_operators;
  asio::steady_timer timer(co_await asio::this_coro::executor, timeout);
  auto got = co_await (waiter->channel.async_receive(asio::as_tuple(asio::use_awaitable)) ||
                       timer.async_wait(asio::as_tuple(asio::use_awaitable)));
  if (got.index() != 0) co_return std::nullopt;
  auto [ec, answer] = std::get<0>(std::move(got));
  if (ec) co_return std::nullopt;  // cancelled
  co_return std::move(answer);
}

}  // namespace

asio::awaitable<std::optional<bj::object>> TurnInteractions::ask(net::SseSink& sink, std::string event,
                                                                 bj::object payload,
                                                                 std::chrono::milliseconds timeout,
                                                                 CancelSignal* also_cancel) {
  const std::string id = new_uuid_hex();
  auto waiter = std::make_shared<Waiter>(co_await asio::this_coro::executor);
  {
    std::lock_guard lock(mutex_);
    waiting_[id] = waiter;
  }
  // The turn's cancellation (the client left) ends the wait at once.
  CancelRegistration on_cancel(&sink.cancellation(), [waiter] {
    (void)waiter->channel.try_send(asio::error::operation_aborted, bj::object{});
  });
  CancelRegistration on_end(also_cancel, [waiter] {
    (void)waiter->channel.try_send(asio::error::operation_aborted, bj::object{});
  });
  payload["id"] = id;
  payload["status"] = "open";
  payload["timeout_ms"] = static_cast<std::int64_t>(timeout.count());
  auto opened = frame(event, payload);
  std::optional<bj::object> answer;
  if (co_await sink.send(std::move(opened))) answer = co_await receive_until(waiter, timeout);
  {
    std::lock_guard lock(mutex_);
    waiting_.erase(id);
  }
  if (!sink.client_gone()) {
    auto closed = frame(
        event, bj::object{{"id", id}, {"status", "closed"}, {"outcome", answer ? "answered" : "timeout"}});
    co_await sink.send(std::move(closed));
  }
  co_return answer;
}

bool TurnInteractions::answer(const std::string& id, bj::object answer) {
  std::shared_ptr<Waiter> waiter;
  {
    std::lock_guard lock(mutex_);
    auto it = waiting_.find(id);
    if (it == waiting_.end()) return false;
    waiter = it->second;
    waiting_.erase(it);  // one answer per question
  }
  return waiter->channel.try_send(boost::system::error_code{}, std::move(answer));
}

std::size_t TurnInteractions::waiting() const {
  std::lock_guard lock(mutex_);
  return waiting_.size();
}

}  // namespace parley::chat
