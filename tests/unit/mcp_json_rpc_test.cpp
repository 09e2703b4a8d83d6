// JSON-RPC framing and the client peer over an in-memory transport that can fail at every send.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "mcp/json_rpc.hpp"
#include "mcp/rpc_peer.hpp"

namespace asio = boost::asio;
namespace bj = boost::json;
using namespace parley::mcp;
using parley::Result;

TEST(McpJsonRpc, ClassifiesResponsesRequestsNotificationsAndJunk) {
  auto items = rpc::parse(
      R"([{"jsonrpc":"2.0","id":3,"result":{}},{"jsonrpc":"2.0","id":"7","error":{"code":-1,"message":"no"}},
    {"jsonrpc":"2.0","id":"srv","method":"ping"},{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info"}},
    {"jsonrpc":"2.0","id":4},42,{"jsonrpc":"2.0","id":"abc","result":1}])");
  ASSERT_EQ(items.size(), 7u);
  EXPECT_EQ(items[0].kind, rpc::Incoming::Kind::response);
  EXPECT_EQ(*items[0].id, 3);
  EXPECT_EQ(items[1].kind, rpc::Incoming::Kind::response);
  EXPECT_EQ(*items[1].id, 7);  // a string echo of our numeric id
  EXPECT_EQ(rpc::describe_error(*items[1].error), "-1: no");
  EXPECT_EQ(items[2].kind, rpc::Incoming::Kind::request);
  EXPECT_EQ(items[2].raw_id, bj::value("srv"));
  EXPECT_EQ(items[3].kind, rpc::Incoming::Kind::notification);
  EXPECT_EQ(items[3].method, "notifications/message");
  EXPECT_EQ(items[4].kind, rpc::Incoming::Kind::invalid);  // neither result nor error
  EXPECT_EQ(items[5].kind, rpc::Incoming::Kind::invalid);  // not an object
  EXPECT_EQ(items[6].kind, rpc::Incoming::Kind::invalid);  // an id parley never sent
}

TEST(McpJsonRpc, MalformedJsonAndEmptyBatchAreInvalid) {
  EXPECT_EQ(rpc::parse("{\"jsonrpc\":").front().kind, rpc::Incoming::Kind::invalid);
  EXPECT_EQ(rpc::parse("[]").front().kind, rpc::Incoming::Kind::invalid);
  EXPECT_EQ(rpc::numeric_id(bj::value(5.0)), 5);
  EXPECT_FALSE(rpc::numeric_id(bj::value(5.5)));
}

TEST(McpJsonRpc, BuildsMessages) {
  EXPECT_EQ(rpc::request(1, "tools/list", {}),
            R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}})");
  EXPECT_EQ(rpc::notification("notifications/initialized", {}),
            R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  EXPECT_EQ(rpc::error_response("x", -32601, "nope"),
            R"({"jsonrpc":"2.0","id":"x","error":{"code":-32601,"message":"nope"}})");
}

namespace {

// Records what the peer sends; fails the send numbered `fail_at` (1-based), or never when 0.
class MemoryTransport final : public Transport {
 public:
  std::vector<std::string> sent;
  int fail_at = 0;
  asio::awaitable<Result<void, Failure>> open(TransportEvents) override { co_return success(); }
  asio::awaitable<Result<void, Failure>> send(std::string message) override {
    sent.push_back(message);
    if (fail_at != 0 && static_cast<int>(sent.size()) == fail_at) co_return fail("pipe broke");
    co_return success();
  }
  asio::awaitable<void> close() override { co_return; }
  [[nodiscard]] std::string kind() const override { return "stdio"; }
};

struct Fixture {
  asio::io_context ioc;
  asio::any_io_executor strand = asio::make_strand(ioc);
  std::shared_ptr<MemoryTransport> transport = std::make_shared<MemoryTransport>();
  std::shared_ptr<RpcPeer> peer = std::make_shared<RpcPeer>(strand, transport, "test");

  // Runs every handler that is ready, including those they post, and returns once all that is left waits
  // (a request for its answer or its timeout): the point the test acts from, reached without waiting.
  void settle() {
    ioc.restart();
    ioc.poll();
  }
};

asio::awaitable<void> ask(std::shared_ptr<RpcPeer> peer, std::string method,
                          std::chrono::milliseconds timeout, parley::CancelSignal* cancel,
                          std::optional<Result<bj::value, Failure>>* out) {
  out->emplace(co_await peer->request(method, {}, timeout, cancel));
}

}  // namespace

TEST(McpRpcPeer, MatchesAnswersThatArriveOutOfOrder) {
  Fixture f;
  std::optional<Result<bj::value, Failure>> first, second;
  asio::co_spawn(f.strand, ask(f.peer, "a", std::chrono::seconds(5), nullptr, &first), asio::detached);
  asio::co_spawn(f.strand, ask(f.peer, "b", std::chrono::seconds(5), nullptr, &second), asio::detached);
  f.settle();
  ASSERT_EQ(f.transport->sent.size(), 2u);
  EXPECT_EQ(f.peer->pending_count(), 2u);
  f.peer->receive(bj::parse(
      R"([{"jsonrpc":"2.0","id":2,"result":"B"},{"jsonrpc":"2.0","id":1,"error":{"code":5,"message":"bad"}}])"));
  f.settle();
  ASSERT_TRUE(first && second);
  EXPECT_FALSE(*first);
  EXPECT_EQ(first->error().message, "5: bad");
  ASSERT_TRUE(*second);
  EXPECT_EQ(second->value(), bj::value("B"));
  EXPECT_EQ(f.peer->pending_count(), 0u);
}

TEST(McpRpcPeer, TimeoutSendsNotificationsCancelled) {
  Fixture f;
  std::optional<Result<bj::value, Failure>> out;
  asio::co_spawn(f.strand, ask(f.peer, "tools/call", std::chrono::milliseconds(30), nullptr, &out),
                 asio::detached);
  // The timeout itself is under test: run until the request's timer has fired and nothing is left (run
  // returns then); the bound only keeps a broken timer from hanging the test.
  f.ioc.run_for(std::chrono::seconds(5));
  ASSERT_TRUE(out);
  EXPECT_FALSE(*out);
  EXPECT_NE(out->error().message.find("timed out"), std::string::npos);
  ASSERT_EQ(f.transport->sent.size(), 2u);
  auto cancelled = bj::parse(f.transport->sent[1]).as_object();
  EXPECT_EQ(cancelled["method"], "notifications/cancelled");
  EXPECT_EQ(cancelled["params"].as_object()["requestId"], 1);
  // A late answer for the expired id is ignored.
  f.peer->receive(bj::parse(R"({"jsonrpc":"2.0","id":1,"result":{}})"));
}

TEST(McpRpcPeer, CancelSignalEndsTheWaitAndTellsTheServer) {
  Fixture f;
  parley::CancelSignal cancel;
  std::optional<Result<bj::value, Failure>> out;
  asio::co_spawn(f.strand, ask(f.peer, "tools/call", std::chrono::seconds(30), &cancel, &out),
                 asio::detached);
  f.settle();
  cancel.cancel();
  f.settle();
  ASSERT_TRUE(out);
  EXPECT_EQ(out->error().message, "cancelled by parley");
  ASSERT_EQ(f.transport->sent.size(), 2u);
  EXPECT_NE(f.transport->sent[1].find("notifications/cancelled"), std::string::npos);
}

TEST(McpRpcPeer, FailingSendAtEveryStepIsAFailureNotAHang) {
  for (int step = 1; step <= 3; ++step) {
    Fixture f;
    f.transport->fail_at = step;
    std::vector<std::optional<Result<bj::value, Failure>>> outs(3);
    for (auto& o : outs)
      asio::co_spawn(f.strand, ask(f.peer, "m", std::chrono::seconds(5), nullptr, &o), asio::detached);
    f.settle();
    f.peer->fail_all("connection lost");
    f.settle();
    for (std::size_t i = 0; i < outs.size(); ++i) {
      ASSERT_TRUE(outs[i]) << "step " << step;
      EXPECT_FALSE(*outs[i]);
      if (static_cast<int>(i) + 1 == step)
        EXPECT_NE(outs[i]->error().message.find("pipe broke"), std::string::npos);
      else
        EXPECT_EQ(outs[i]->error().message, "connection lost");
    }
  }
}

TEST(McpRpcPeer, AnswersPingAndRefusesOtherServerRequests) {
  Fixture f;
  f.peer->receive(bj::parse(R"({"jsonrpc":"2.0","id":"p1","method":"ping"})"));
  f.peer->receive(bj::parse(R"({"jsonrpc":"2.0","id":9,"method":"sampling/createMessage","params":{}})"));
  f.peer->receive(bj::parse(R"({"bogus":true})"));
  f.settle();
  ASSERT_EQ(f.transport->sent.size(), 2u);
  EXPECT_EQ(f.transport->sent[0], R"({"jsonrpc":"2.0","id":"p1","result":{}})");
  EXPECT_NE(f.transport->sent[1].find("-32601"), std::string::npos);
  EXPECT_EQ(f.peer->invalid_count(), 1u);
}

TEST(McpRpcPeer, ForwardsOtherNotifications) {
  Fixture f;
  std::string seen;
  f.peer->on_notification([&](const std::string& method, const bj::object&) { seen = method; });
  f.peer->receive(bj::parse(R"({"jsonrpc":"2.0","method":"notifications/tools/list_changed"})"));
  EXPECT_EQ(seen, "notifications/tools/list_changed");
}
