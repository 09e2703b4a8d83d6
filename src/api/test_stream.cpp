// GET /api/chat/test-stream: a fixed debugging stream (api.md §2.4).
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "api/system_routes.hpp"

namespace parley::api {

namespace {

boost::asio::awaitable<void> produce_test_stream(net::SseSink& sink) {
  auto ex = co_await boost::asio::this_coro::executor;
  boost::asio::steady_timer timer(ex);
  for (const char* word : {"Hello ", "from ", "server!"}) {
    std::string data = R"({"choices":[{"delta":{"content":")" + std::string(word) + R"("}}]})";
    if (!co_await sink.send(net::format_sse_event("message", data))) co_return;
    timer.expires_after(std::chrono::milliseconds(200));
    co_await timer.async_wait(boost::asio::use_awaitable);
  }
  co_await sink.send(net::format_sse_event("message", "[DONE]"));
}

}  // namespace

boost::asio::awaitable<net::Response> get_test_stream(net::Request&) {
  net::Response res;
  res.headers.set("Content-Type", "text/event-stream; charset=utf-8");
  res.headers.set("Cache-Control", "no-store");
  res.sse = [](net::SseSink& sink) { return produce_test_stream(sink); };
  co_return res;
}

}  // namespace parley::api
