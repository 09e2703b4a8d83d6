// The outbound fetcher against a loopback server: refusals before anything is resolved, private addresses
// refused before a connection is made unless the host is listed, the whole-download deadline (a trickling
// server), the size limit, the caller's cancel, and redirects handed back instead of followed.
#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <functional>
#include <string>

#include "net/outbound_fetcher.hpp"

namespace parley::net {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Kind = OutboundError::Kind;
using FetchResult = boost::system::result<ClientResponse, OutboundError>;

asio::awaitable<void> hold_until_closed(tcp::socket& socket) {
  char byte = 0;
  co_await socket.async_read_some(asio::buffer(&byte, 1), asio::as_tuple(asio::use_awaitable));
}

asio::awaitable<void> send_then_hold(tcp::socket& socket, std::string text) {
  co_await asio::async_write(socket, asio::buffer(text), asio::as_tuple(asio::use_awaitable));
  co_await hold_until_closed(socket);
}

// A byte every 50 ms of a 100-byte body.
asio::awaitable<void> trickle(tcp::socket& socket) {
  std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n";
  co_await asio::async_write(socket, asio::buffer(head), asio::as_tuple(asio::use_awaitable));
  asio::steady_timer timer(socket.get_executor());
  for (int i = 0; i < 100; ++i) {
    timer.expires_after(std::chrono::milliseconds(50));
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    auto [ec, n] =
        co_await asio::async_write(socket, asio::buffer("x", 1), asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;  // the client gave up
  }
}

asio::awaitable<void> cancel_then_hold(tcp::socket& socket, CancelSignal* cancel) {
  cancel->cancel();
  co_await hold_until_closed(socket);
}

TEST(OutboundRefusal, OnlyHttpUrlsAndListedHostsPass) {
  EXPECT_FALSE(outbound_refusal("https://cdn.example/a.png", {}));
  EXPECT_FALSE(outbound_refusal("HTTPS://cdn.example/a.png", {}));
  EXPECT_EQ(outbound_refusal("ftp://cdn.example/a.png", {})->kind, Kind::not_http);
  EXPECT_EQ(outbound_refusal("not a url", {})->kind, Kind::not_http);
  EXPECT_EQ(outbound_refusal("http:///path", {})->kind, Kind::not_http);
  const auto unlisted = outbound_refusal("https://cdn.example/a.png", {"images.example"});
  ASSERT_TRUE(unlisted);
  EXPECT_EQ(unlisted->kind, Kind::host_not_listed);
  EXPECT_EQ(unlisted->host, "cdn.example");
  EXPECT_EQ(unlisted->message, "host cdn.example is not in IMAGE_DOWNLOAD_ALLOWED_HOSTS");
  EXPECT_FALSE(outbound_refusal("https://IMAGES.example/a.png", {"images.example"}));
  EXPECT_FALSE(outbound_refusal("http://127.0.0.1:9/a.png", {"127.0.0.1"}));
  EXPECT_FALSE(outbound_refusal("http://[::1]:9/a.png", {"::1"}));
}

// A loopback server that answers one connection with `answer` (given the socket, after the request head).
class FetcherTest : public ::testing::Test {
 protected:
  using Answer = std::function<asio::awaitable<void>(tcp::socket&)>;

  std::string url(const std::string& path = "/file") {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + path;
  }

  FetchResult fetch(OutboundPolicy policy, OutboundRequest request, Answer answer,
                    CancelSignal* cancel = nullptr) {
    asio::co_spawn(ioc_, serve(std::move(answer)), asio::detached);
    OutboundFetcher fetcher(http_, std::move(policy));
    std::optional<FetchResult> out;
    asio::co_spawn(ioc_, run(fetcher, std::move(request), cancel, &out), asio::detached);
    ioc_.run();
    return std::move(*out);
  }

  asio::awaitable<void> run(OutboundFetcher& fetcher, OutboundRequest request, CancelSignal* cancel,
                            std::optional<FetchResult>* out) {
    *out = co_await fetcher.fetch(std::move(request), cancel);
    acceptor_.close();  // a refused fetch leaves the accept waiting
  }

  asio::awaitable<void> serve(Answer answer) {
    auto [aec, socket] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
    if (aec) co_return;
    ++accepted_;
    std::string head;
    auto [rec, n] = co_await asio::async_read_until(socket, asio::dynamic_buffer(head), "\r\n\r\n",
                                                    asio::as_tuple(asio::use_awaitable));
    if (rec) co_return;
    request_head_ = head.substr(0, n);
    co_await answer(socket);
  }

  // Sends `text` and holds the connection until the client closes it. (The answers are named coroutines
  // wrapped in plain lambdas: g++ 12 miscompiles capturing coroutine lambdas.)
  static Answer reply(std::string text) {
    return [text](tcp::socket& socket) { return send_then_hold(socket, text); };
  }

  asio::io_context ioc_;
  tcp::acceptor acceptor_{ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  HttpClient http_{ioc_};
  int accepted_ = 0;
  std::string request_head_;
};

TEST_F(FetcherTest, APrivateAddressIsRefusedBeforeAnyConnection) {
  const auto result = fetch({}, {url(), {}, 1000}, reply("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, Kind::private_address);
  EXPECT_EQ(result.error().address, "127.0.0.1");
  EXPECT_EQ(accepted_, 0);
}

TEST_F(FetcherTest, AListedHostMayLiveOnAPrivateAddress) {
  OutboundRequest request{url(), {}, 1000};
  request.headers.add("Accept", "image/png");
  const auto result =
      fetch({{"127.0.0.1"}, std::chrono::seconds(5)}, std::move(request),
            reply("HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: 5\r\n\r\nhello"));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->body, "hello");
  EXPECT_NE(request_head_.find("Accept: image/png"), std::string::npos);
}

TEST_F(FetcherTest, ARedirectIsHandedBackNotFollowed) {
  const auto result =
      fetch({{"127.0.0.1"}, std::chrono::seconds(5)}, {url(), {}, 1000},
            reply("HTTP/1.1 302 Found\r\nLocation: http://169.254.169.254/\r\nContent-Length: 0\r\n\r\n"));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 302);
  EXPECT_EQ(accepted_, 1);
}

TEST_F(FetcherTest, ABodyPastTheLimitIsRefused) {
  const auto result = fetch({{"127.0.0.1"}, std::chrono::seconds(5)}, {url(), {}, 3},
                            reply("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, Kind::too_large);
}

TEST_F(FetcherTest, TheWholeDownloadMustFinishInTimeNotOnlyEachRead) {
  // A byte every 50 ms never trips the 300 ms read timeout; the download as a whole does.
  const auto started = std::chrono::steady_clock::now();
  const auto result = fetch({{"127.0.0.1"}, std::chrono::milliseconds(300)}, {url(), {}, 1000}, trickle);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, Kind::timeout);
  EXPECT_EQ(result.error().message, "no complete response within 300 ms");
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3));
}

TEST_F(FetcherTest, TheCallersCancelStopsTheDownload) {
  CancelSignal cancel;
  // The server cancels the fetch once it has the request, then waits for the client to hang up.
  auto* signal = &cancel;
  const auto result = fetch(
      {{"127.0.0.1"}, std::chrono::seconds(30)}, {url(), {}, 1000},
      [signal](tcp::socket& socket) { return cancel_then_hold(socket, signal); }, &cancel);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, Kind::cancelled);
}

}  // namespace
}  // namespace parley::net
