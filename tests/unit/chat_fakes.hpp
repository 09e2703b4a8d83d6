// Fakes for the chat turn tests: a scripted provider (replies as the transport delivers them: a head, body
// pieces, and how the connection ended), a sink that records the stream, and scripted tools.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <deque>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "chat/turn_tools.hpp"
#include "core/json.hpp"
#include "llm/provider_client.hpp"
#include "net/http_types.hpp"
#include "net/sse_parser.hpp"

namespace parley::chat::testing {

namespace asio = boost::asio;
namespace bj = boost::json;

// One upstream answer to a completion request.
struct ScriptedReply {
  bool head = true;  // false: the connection failed before a response head
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<std::string> pieces;        // the body, one on_data call each
  std::optional<llm::ProviderError> end;  // how the transport ended; nullopt: the body ended normally
  bool hold_open = false;                 // after the pieces, wait until the call is cancelled

  // 200 with these body pieces.
  static ScriptedReply body(std::vector<std::string> pieces) {
    ScriptedReply r;
    r.pieces = std::move(pieces);
    return r;
  }
  static ScriptedReply refused(int status, std::string error_body) {
    auto r = body({std::move(error_body)});
    r.status = status;
    return r;
  }
  // The connection failed before any response head.
  static ScriptedReply failed(llm::ProviderError error) {
    ScriptedReply r;
    r.head = false;
    r.end = std::move(error);
    return r;
  }
  ScriptedReply ending_with(llm::ProviderError error) && {
    end = std::move(error);
    return std::move(*this);
  }
  // One more body piece.
  ScriptedReply then(std::string piece) && {
    pieces.push_back(std::move(piece));
    return std::move(*this);
  }
  ScriptedReply held_open() && {
    hold_open = true;
    return std::move(*this);
  }
  ScriptedReply with_header(std::string name, std::string value) && {
    headers.emplace_back(std::move(name), std::move(value));
    return std::move(*this);
  }
};

// `data: <json>\n\n` frames of an upstream stream.
inline std::string sse(const bj::value& chunk) {
  return "data: " + json::serialize(chunk) + "\n\n";
}
inline const std::string kDone = "data: [DONE]\n\n";
inline std::string content_chunk(const std::string& text) {
  return sse(
      bj::object{{"choices", bj::array{bj::object{{"index", 0}, {"delta", bj::object{{"content", text}}}}}}});
}
inline std::string finish_chunk(const std::string& reason = "stop") {
  return sse(bj::object{
      {"choices", bj::array{bj::object{{"index", 0}, {"delta", bj::object{}}, {"finish_reason", reason}}}},
      {"usage", bj::object{{"prompt_tokens", 3}, {"completion_tokens", 2}}}});
}
// One streamed tool call fragment; `index` says which call a later fragment continues (its id and name come
// only with the first one).
inline std::string tool_call_chunk(int index, const std::string& id, const std::string& name,
                                   const std::string& arguments) {
  bj::object function{{"arguments", arguments}};
  if (!name.empty()) function["name"] = name;
  bj::object call{{"index", index}, {"function", std::move(function)}};
  if (!id.empty()) {
    call["id"] = id;
    call["type"] = "function";
  }
  return sse(bj::object{
      {"choices",
       bj::array{bj::object{{"index", 0}, {"delta", bj::object{{"tool_calls", bj::array{call}}}}}}}});
}

inline llm::ProviderError provider_error(llm::ProviderError::Kind kind, std::string message,
                                         int timeout_seconds = 0) {
  llm::ProviderError e;
  e.kind = kind;
  e.message = std::move(message);
  e.timeout_seconds = timeout_seconds;
  return e;
}

// A data callback's answer, awaited when it is given later (the provider double feeds it from a coroutine).
inline asio::awaitable<bool> answer_of(net::DataStep step) {
  if (step.later) co_return co_await std::move(*step.later);
  co_return step.more;
}

class FakeProvider final : public llm::ProviderClient {
 public:
  bool has_key = true;
  std::deque<ScriptedReply> replies;
  std::vector<bj::object> requests;  // the body of every completion request, parsed
  int cancelled_calls = 0;           // completions that ended because their cancel signal fired
  Result<bj::value, llm::ProviderError> model_list =
      provider_error(llm::ProviderError::Kind::unreachable, "no list");

  [[nodiscard]] bool configured() const override { return has_key; }

  // The scripted call; its outcome (a ProviderError of the script, cancelled, ...) is what completion_outcome
  // then says, as the real client classifies its transport end.
  asio::awaitable<CompletionEnd> stream_completion(std::string body, net::HttpClient::HeadFn on_head,
                                                   net::HttpClient::DataFn on_data,
                                                   parley::CancelSignal* cancel) override {
    outcome_ = co_await scripted_completion(std::move(body), std::move(on_head), std::move(on_data), cancel);
    if (outcome_) co_return CompletionEnd(200);
    co_return CompletionEnd(
        boost::system::in_place_error,
        net::TransportError{net::TransportError::Kind::unreachable, outcome_.error().message});
  }
  Result<void, llm::ProviderError> completion_outcome(const CompletionEnd&, int) override { return outcome_; }

  asio::awaitable<Result<bj::value, llm::ProviderError>> models() override { co_return model_list; }
  asio::awaitable<Result<bj::array, llm::ProviderError>> providers() override {
    co_return provider_error(llm::ProviderError::Kind::unreachable, "not scripted");
  }
  asio::awaitable<Result<bj::array, llm::ProviderError>> model_endpoints(std::string) override {
    co_return provider_error(llm::ProviderError::Kind::unreachable, "not scripted");
  }
  asio::awaitable<Result<std::string, llm::ProviderError>> generation(std::string) override {
    co_return provider_error(llm::ProviderError::Kind::unreachable, "not scripted");
  }

 private:
  Result<void, llm::ProviderError> outcome_;

  asio::awaitable<Result<void, llm::ProviderError>> scripted_completion(std::string body,
                                                                        net::HttpClient::HeadFn on_head,
                                                                        net::HttpClient::DataFn on_data,
                                                                        parley::CancelSignal* cancel) {
    if (!has_key) co_return provider_error(llm::ProviderError::Kind::not_configured, "no API key");
    requests.push_back(bj::parse(body).as_object());
    if (replies.empty()) {
      ADD_FAILURE() << "a completion request nothing was scripted for";
      co_return provider_error(llm::ProviderError::Kind::unreachable, "nothing scripted");
    }
    auto reply = std::move(replies.front());
    replies.pop_front();
    if (reply.head) {
      net::Headers headers;
      for (auto& [name, value] : reply.headers) headers.add(name, value);
      on_head(reply.status, headers);
    }
    for (const auto& piece : reply.pieces) {
      if (cancel && cancel->cancelled()) break;
      if (!co_await answer_of(on_data(piece))) co_return Result<void, llm::ProviderError>();
    }
    if (reply.hold_open && !(cancel && cancel->cancelled())) co_await wait_for_cancel(cancel);
    if (cancel && cancel->cancelled()) {
      ++cancelled_calls;
      co_return provider_error(llm::ProviderError::Kind::cancelled, "cancelled");
    }
    if (reply.end) co_return *reply.end;
    co_return Result<void, llm::ProviderError>();
  }

  // Parks like a stream whose upstream sends nothing, until the cancel signal fires (a test that forgets to
  // cancel fails after a few seconds instead of hanging).
  static asio::awaitable<void> wait_for_cancel(parley::CancelSignal* cancel) {
    asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::seconds(10));
    parley::CancelRegistration registration(cancel, [&timer] { timer.cancel(); });
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    EXPECT_TRUE(cancel && cancel->cancelled()) << "a held stream was never cancelled";
  }
};

struct Event {
  std::string name;
  std::string data;
  [[nodiscard]] bj::value json() const { return bj::parse(data); }
};

// The browser side of the stream; `leave_when` makes the client go away right after a chosen frame.
class RecordingSink final : public net::SseSink {
 public:
  std::string wire;
  int sends = 0;
  std::function<bool(const std::string& frame)> leave_when;
  // Whether try_send takes frames (as the server's sink does while its queue has room) or always leaves them
  // for send() (a full queue).
  bool at_once = true;
  int sent_at_once = 0;

  asio::awaitable<bool> send(std::string frame) override {
    record(std::move(frame));
    co_return !gone_;
  }
  bool try_send(std::string& frame) override {
    if (!at_once) return false;
    ++sent_at_once;
    record(std::move(frame));
    return true;
  }
  [[nodiscard]] bool client_gone() const override { return gone_; }
  parley::CancelSignal& cancellation() override { return cancel_; }

  void leave() {
    gone_ = true;
    cancel_.cancel();
  }
  [[nodiscard]] std::vector<Event> events() const {
    net::SseParser parser;
    std::vector<net::SseEvent> parsed;
    parser.feed(wire, parsed);
    std::vector<Event> out;
    for (auto& e : parsed) out.push_back({e.event, e.data});
    return out;
  }

  int sends_after_leaving = 0;

 private:
  void record(std::string frame) {
    if (gone_) {
      ++sends_after_leaving;
      return;
    }
    wire += frame;
    ++sends;
    if (leave_when && leave_when(frame)) leave();
  }

  bool gone_ = false;
  parley::CancelSignal cancel_;
};

// Tools that answer "<name> result" (or a scripted text), recording each call in order.
class ScriptedTools final : public TurnTools {
 public:
  std::vector<mcp::ExposedTool> tools;
  std::vector<std::pair<std::string, bj::object>> calls;

  void add(const std::string& name) {
    mcp::ExposedTool t;
    t.qualified_name = name;
    t.function_tool = bj::object{
        {"type", "function"},
        {"function",
         bj::object{{"name", name},
                    {"description", "test tool"},
                    {"parameters", bj::object{{"type", "object"}, {"properties", bj::object{}}}}}}};
    tools.push_back(std::move(t));
  }

  asio::awaitable<std::vector<mcp::ExposedTool>> exposed_tools() override { co_return tools; }
  asio::awaitable<mcp::ToolCallOutcome> call_tool(std::string name, bj::object arguments,
                                                  parley::CancelSignal*,
                                                  std::shared_ptr<mcp::ElicitationHandler>) override {
    calls.emplace_back(name, std::move(arguments));
    mcp::ToolCallOutcome out;
    out.text = name + " result";
    co_return out;
  }
};

// Runs `work` on `ioc` to its end (blocking-pool jobs included) and rethrows what escaped it.
inline void run_to_end(asio::io_context& ioc, asio::awaitable<void> work) {
  auto guard = asio::make_work_guard(ioc);
  std::exception_ptr failure;
  bool done = false;
  asio::co_spawn(ioc, std::move(work), [&](std::exception_ptr e) {
    failure = e;
    done = true;
    guard.reset();
  });
  ioc.run();
  ioc.restart();
  ASSERT_TRUE(done);
  if (failure) std::rethrow_exception(failure);
}

}  // namespace parley::chat::testing
