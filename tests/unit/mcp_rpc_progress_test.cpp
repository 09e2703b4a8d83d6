// Progress notifications restart a request's timeout (the server is still working), but never past the cap;
// without progress the plain timeout holds.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>

#include "mcp/rpc_peer.hpp"

namespace asio = boost::asio;
namespace bj = boost::json;
using namespace parley::mcp;
using parley::Result;

namespace {

class SinkTransport final : public Transport {
 public:
  std::vector<std::string> sent;
  asio::awaitable<Result<void, Failure>> open(TransportEvents) override { co_return success(); }
  asio::awaitable<Result<void, Failure>> send(std::string message) override {
    sent.push_back(std::move(message));
    co_return success();
  }
  asio::awaitable<void> close() override { co_return; }
  [[nodiscard]] std::string kind() const override { return "stdio"; }
};

struct CallRecord {
  std::optional<Result<bj::value, Failure>> answer;
  int progress_seen = 0;
  std::chrono::steady_clock::time_point finished;
};

asio::awaitable<void> call(std::shared_ptr<RpcPeer> peer, std::chrono::milliseconds timeout,
                           CallRecord* out) {
  int* seen = &out->progress_seen;
  auto answer =
      co_await peer->request("tools/call", {}, timeout, nullptr, [seen](const bj::object&) { ++*seen; });
  out->answer.emplace(std::move(answer));
  out->finished = std::chrono::steady_clock::now();
}

// Sends `count` progress notifications for request 1, `every` apart, then (when `answer`) its result.
asio::awaitable<void> server(std::shared_ptr<RpcPeer> peer, int count, std::chrono::milliseconds every,
                             bool answer) {
  asio::steady_timer tick(co_await asio::this_coro::executor);
  for (int i = 0; i < count; ++i) {
    tick.expires_after(every);
    co_await tick.async_wait(asio::use_awaitable);
    peer->receive(bj::parse(
        R"({"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":1,"progress":)" +
        std::to_string(i) + "}}"));
  }
  if (answer) peer->receive(bj::parse(R"({"jsonrpc":"2.0","id":1,"result":{"content":[]}})"));
}

}  // namespace

TEST(McpRpcProgress, ProgressKeepsALongCallAlivePastItsTimeout) {
  asio::io_context ioc;
  auto strand = asio::make_strand(ioc);
  auto peer = std::make_shared<RpcPeer>(strand, std::make_shared<SinkTransport>(), "test");
  CallRecord out;
  asio::co_spawn(strand, call(peer, std::chrono::milliseconds(80), &out), asio::detached);
  // 8 notifications 30 ms apart: the answer comes ~240 ms after the call, three times its timeout.
  asio::co_spawn(strand, server(peer, 8, std::chrono::milliseconds(30), true), asio::detached);
  ioc.run();
  ASSERT_TRUE(out.answer);
  EXPECT_TRUE(*out.answer) << out.answer->error().message;
  EXPECT_EQ(out.progress_seen, 8);
}

TEST(McpRpcProgress, WithoutProgressTheTimeoutHolds) {
  asio::io_context ioc;
  auto strand = asio::make_strand(ioc);
  auto peer = std::make_shared<RpcPeer>(strand, std::make_shared<SinkTransport>(), "test");
  CallRecord out;
  asio::co_spawn(strand, call(peer, std::chrono::milliseconds(40), &out), asio::detached);
  asio::co_spawn(strand, server(peer, 0, std::chrono::milliseconds(0), false), asio::detached);
  ioc.run();
  ASSERT_TRUE(out.answer);
  EXPECT_FALSE(*out.answer);
  EXPECT_NE(out.answer->error().message.find("timed out"), std::string::npos);
}

TEST(McpRpcProgress, EndlessProgressStillEndsAtTheCap) {
  asio::io_context ioc;
  auto strand = asio::make_strand(ioc);
  auto peer = std::make_shared<RpcPeer>(strand, std::make_shared<SinkTransport>(), "test");
  CallRecord out;
  const auto started = std::chrono::steady_clock::now();
  const auto timeout = std::chrono::milliseconds(20);
  asio::co_spawn(strand, call(peer, timeout, &out), asio::detached);
  // Progress every 10 ms for far longer than the cap (10 x 20 ms).
  asio::co_spawn(strand, server(peer, 60, std::chrono::milliseconds(10), false), asio::detached);
  ioc.run();
  ASSERT_TRUE(out.answer);
  EXPECT_FALSE(*out.answer);
  const auto waited = out.finished - started;
  EXPECT_GE(waited, timeout * RpcPeer::kProgressTimeoutCap);
  EXPECT_LT(waited, timeout * RpcPeer::kProgressTimeoutCap + std::chrono::milliseconds(250));
}
