// The SSE path of the HTTP server: a frame sent while the writer waits goes out at once, not when the
// producer next suspends (relay latency, P1), and frames keep their bytes and order whether they are written
// by the producer, queued and merged by the writer, or held back by a client that does not read for a while.
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/time.h>
#include <algorithm>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <future>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "net/http_server.hpp"
#include "net/router.hpp"
#include "net/static_files.hpp"

namespace {

using namespace parley::net;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

class OpenPolicy final : public RequestPolicy {
 public:
  asio::awaitable<std::optional<Response>> before(Request&, const RouteMatch&) override {
    co_return std::nullopt;
  }
  void after(const Request&, Response&) override {}
  void completed(const Request&, int, std::chrono::steady_clock::duration) override {}
  void failed(const Request&, const std::exception& e) override {
    const std::lock_guard lock(mutex);
    failures.emplace_back(e.what());
  }
  void client_left(const Request&) override { ++left; }

  std::atomic<int> left{0};  // streams whose client left (or stopped reading) before the end

  std::vector<std::string> failure_messages() {
    const std::lock_guard lock(mutex);
    return failures;
  }

 private:
  std::mutex mutex;
  std::vector<std::string> failures;
};

constexpr auto kBusy = std::chrono::milliseconds(400);

// Sends one frame, then keeps its thread busy without suspending (like parsing the rest of a large upstream
// read, or building the stored row), then sends a second one.
asio::awaitable<void> busy_producer(SseSink& sink) {
  auto first = format_sse_event("message", "first");
  co_await sink.send(std::move(first));
  std::this_thread::sleep_for(kBusy);
  auto second = format_sse_event("message", "second");
  co_await sink.send(std::move(second));
}

std::vector<std::string> many_frames() {
  std::vector<std::string> frames;
  for (int i = 0; i < 600; ++i) {
    // Large enough that a client that does not read fills the socket buffers and the queue.
    const std::string data =
        "frame " + std::to_string(i) + " " + std::string(static_cast<std::size_t>(i * 97 % 20000), 'x');
    frames.push_back(format_sse_event("message", data));
  }
  return frames;
}

// Frames the bursty producer has handed to its sink so far (reset by the test that watches it).
std::atomic<int> bursty_handed{0};

// Bursts of frames without suspending, separated by short waits: direct writes, queued ones and merged ones.
asio::awaitable<void> bursty_producer(SseSink& sink) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  int n = 0;
  for (auto& f : many_frames()) {
    co_await sink.send(std::move(f));
    ++bursty_handed;
    if (++n % 7 == 0) {
      timer.expires_after(std::chrono::milliseconds(1));
      co_await timer.async_wait(asio::use_awaitable);
    }
  }
}

// The same frames handed over as a producer in a plain callback does (the upstream relay): try_send, and
// send() only when that would have to wait (a full queue).
asio::awaitable<void> bursty_at_once_producer(SseSink& sink) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  int n = 0;
  for (auto& f : many_frames()) {
    if (!sink.try_send(f)) co_await sink.send(std::move(f));
    ++bursty_handed;
    if (++n % 7 == 0) {
      timer.expires_after(std::chrono::milliseconds(1));
      co_await timer.async_wait(asio::use_awaitable);
    }
  }
}

// Three small frames.
asio::awaitable<void> short_producer(SseSink& sink) {
  for (int i = 0; i < 3; ++i) {
    auto frame = format_sse_event("message", "short " + std::to_string(i));
    co_await sink.send(std::move(frame));
  }
}

// The slow producer sends "first", then waits until the test releases it (then sends "last") or its client
// is gone (noted in slow_saw_gone), at most 10 s.
std::atomic<bool> slow_release{false};
std::atomic<bool> slow_saw_gone{false};

asio::awaitable<void> slow_producer(SseSink& sink) {
  auto first = format_sse_event("message", "first");
  co_await sink.send(std::move(first));
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (int i = 0; i < 2000 && !slow_release; ++i) {
    if (sink.client_gone()) {
      slow_saw_gone = true;
      co_return;
    }
    timer.expires_after(std::chrono::milliseconds(5));
    co_await timer.async_wait(asio::use_awaitable);
  }
  auto last = format_sse_event("message", "last");
  co_await sink.send(std::move(last));
}

asio::awaitable<Response> short_route(Request&) {
  Response res;
  res.sse = [](SseSink& sink) { return short_producer(sink); };
  co_return res;
}

asio::awaitable<Response> slow_route(Request&) {
  Response res;
  res.sse = [](SseSink& sink) { return slow_producer(sink); };
  co_return res;
}

asio::awaitable<Response> busy_route(Request&) {
  Response res;
  res.sse = [](SseSink& sink) { return busy_producer(sink); };
  co_return res;
}

// A handler whose stream fails before its coroutine begins, and one that fails after its first frame.
asio::awaitable<Response> throws_at_once_route(Request&) {
  Response res;
  res.sse = [](SseSink&) -> asio::awaitable<void> { throw std::runtime_error("failed at once"); };
  co_return res;
}

asio::awaitable<void> failing_producer(SseSink& sink) {
  auto first = format_sse_event("message", "first");
  co_await sink.send(std::move(first));
  throw std::runtime_error("failed after a frame");
}

asio::awaitable<Response> throws_later_route(Request&) {
  Response res;
  res.sse = [](SseSink& sink) { return failing_producer(sink); };
  co_return res;
}

asio::awaitable<Response> bursty_route(Request&) {
  Response res;
  res.sse = [](SseSink& sink) { return bursty_producer(sink); };
  co_return res;
}

asio::awaitable<Response> bursty_at_once_route(Request&) {
  Response res;
  res.sse = [](SseSink& sink) { return bursty_at_once_producer(sink); };
  co_return res;
}

class SseServer : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.add(RouteSpec{"GET", "/busy", busy_route, BodyPolicy::ignored, Access::open});
    router_.add(RouteSpec{"GET", "/bursty", bursty_route, BodyPolicy::ignored, Access::open});
    router_.add(RouteSpec{"GET", "/bursty-at-once", bursty_at_once_route, BodyPolicy::ignored, Access::open});
    router_.add(RouteSpec{"GET", "/short", short_route, BodyPolicy::ignored, Access::open});
    router_.add(RouteSpec{"GET", "/slow", slow_route, BodyPolicy::ignored, Access::open});
    router_.add(RouteSpec{"GET", "/throws-at-once", throws_at_once_route, BodyPolicy::ignored, Access::open});
    router_.add(RouteSpec{"GET", "/throws-later", throws_later_route, BodyPolicy::ignored, Access::open});
    slow_release = false;
    slow_saw_gone = false;
    ServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.sse_queue_frames = 16;
    options.write_timeout = write_timeout_;
    server_ = std::make_unique<HttpServer>(ioc_, options, router_, ui_, policy_);
    ASSERT_FALSE(server_->listen());
    server_->start();
    thread_ = std::thread([this] { ioc_.run(); });
  }
  void TearDown() override {
    std::promise<void> stopped;
    server_->shutdown([&stopped] { stopped.set_value(); });
    stopped.get_future().wait_for(std::chrono::seconds(15));
    ioc_.stop();
    thread_.join();
  }

  // Connects and sends a GET; reads time out after 10 s so that a broken server fails instead of hanging.
  // The tests that read until the connection closes ask for that ("Connection: close").
  tcp::socket request(const std::string& path, const char* version = "HTTP/1.1",
                      const char* headers = "Connection: close\r\n") {
    tcp::socket s(client_ioc_);
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
    timeval tv{10, 0};
    ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    asio::write(s, asio::buffer(get(path, version, headers)));
    return s;
  }
  static std::string get(const std::string& path, const char* version = "HTTP/1.1",
                         const char* headers = "") {
    return "GET " + path + " " + version + "\r\nHost: 127.0.0.1\r\n" + headers + "\r\n";
  }

  // Until `text` holds `n` whole chunked responses (each ends with its last chunk); false when the
  // connection ended or a read timed out first.
  static bool read_responses(tcp::socket& s, std::string& text, std::size_t n) {
    char buf[4096];
    boost::system::error_code ec;
    while (count(text, "\r\n0\r\n\r\n") < n) {
      const auto got = s.read_some(asio::buffer(buf), ec);
      text.append(buf, got);
      if (ec) return false;
    }
    return true;
  }
  static std::size_t count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + what.size())) ++n;
    return n;
  }
  // Reads until `text` has `what`; false when the connection ended or a read timed out first.
  static bool read_until(tcp::socket& s, std::string& text, const std::string& what) {
    char buf[4096];
    boost::system::error_code ec;
    while (text.find(what) == std::string::npos) {
      const auto got = s.read_some(asio::buffer(buf), ec);
      text.append(buf, got);
      if (ec) return false;
    }
    return true;
  }

  // Everything until the server closes the connection.
  static std::string read_all(tcp::socket& s, std::string got = {}) {
    char buf[65536];
    boost::system::error_code ec;
    for (;;) {
      const auto n = s.read_some(asio::buffer(buf), ec);
      got.append(buf, n);
      if (ec) break;
    }
    return got;
  }

  // The decoded body of a chunked response.
  static std::string dechunk(const std::string& response) {
    auto pos = response.find("\r\n\r\n");
    if (pos == std::string::npos) return {};
    pos += 4;
    std::string body;
    for (;;) {
      const auto eol = response.find("\r\n", pos);
      if (eol == std::string::npos) return body + "<truncated>";
      const auto size = std::stoul(response.substr(pos, eol - pos), nullptr, 16);
      if (size == 0) return body;
      body += response.substr(eol + 2, size);
      pos = eol + 2 + size + 2;
    }
  }

  asio::io_context ioc_{1};
  asio::io_context client_ioc_;
  Router router_;
  StaticFiles ui_ = StaticFiles::from_embedded({});
  OpenPolicy policy_;
  std::chrono::milliseconds write_timeout_{ServerOptions().write_timeout};
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
};

TEST_F(SseServer, FrameSentWhileWriterWaitsIsWrittenBeforeTheProducerSuspendsAgain) {
  const auto started = Clock::now();
  auto s = request("/busy");
  std::string got;
  char buf[4096];
  boost::system::error_code ec;
  while (got.find("data: first") == std::string::npos) {
    const auto n = s.read_some(asio::buffer(buf), ec);
    got.append(buf, n);
    ASSERT_FALSE(ec) << ec.message();
  }
  const auto first_after = Clock::now() - started;
  // The producer's thread is busy for kBusy right after sending: the frame must not wait for it.
  EXPECT_LT(first_after, kBusy / 2)
      << "first frame after " << std::chrono::duration_cast<std::chrono::milliseconds>(first_after).count()
      << " ms";
  EXPECT_EQ(got.find("data: second"), std::string::npos);
  const auto body = dechunk(read_all(s, got));
  EXPECT_EQ(body, format_sse_event("message", "first") + format_sse_event("message", "second"));
}

TEST_F(SseServer, FramesKeepBytesAndOrderWhenWrittenDirectlyQueuedAndMerged) {
  for (const char* path : {"/bursty", "/bursty-at-once"}) {
    auto s = request(path);
    std::string expected;
    for (const auto& f : many_frames()) expected += f;
    const auto body = dechunk(read_all(s));
    ASSERT_EQ(body.size(), expected.size()) << path;
    EXPECT_TRUE(body == expected) << path;
  }
}

// A client that stops reading for a while: the sink's direct writes go out in part (the rest is queued before
// anything after it), the queue fills, and the producer waits.
class SseServerPausingClient : public SseServer, public ::testing::WithParamInterface<const char*> {};

TEST_P(SseServerPausingClient, GetsEveryFrameInOrder) {
  bursty_handed = 0;
  auto s = request(GetParam());
  // The server fills the socket buffers and its queue, and the producer waits on a full queue or on a write.
  // Unhindered it hands over frames every millisecond or two, so a count that has not moved for 50 ms means
  // it is held; the client reads from then on.
  int seen = -1;
  auto moved_at = Clock::now();
  for (const auto deadline = Clock::now() + std::chrono::seconds(10);
       Clock::now() < deadline && Clock::now() - moved_at < std::chrono::milliseconds(50);) {
    if (const int now = bursty_handed; now != seen) {
      seen = now;
      moved_at = Clock::now();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_LT(seen, static_cast<int>(many_frames().size())) << "the client's pause held the producer back";
  std::string expected;
  for (const auto& f : many_frames()) expected += f;
  const auto body = dechunk(read_all(s));
  ASSERT_EQ(body.size(), expected.size());
  EXPECT_TRUE(body == expected);
}

INSTANTIATE_TEST_SUITE_P(SendOrTrySend, SseServerPausingClient,
                         ::testing::Values("/bursty", "/bursty-at-once"));

TEST_F(SseServer, Http10ClientGetsEveryFrameUnframedInOrderThenTheConnectionCloses) {
  // Direct, queued and merged writes alike go out without chunk framing; the end of the body is the close.
  for (const char* path : {"/bursty", "/bursty-at-once"}) {
    auto s = request(path, "HTTP/1.0");
    const auto response = read_all(s);
    const auto head_end = response.find("\r\n\r\n");
    ASSERT_NE(head_end, std::string::npos);
    const auto head = response.substr(0, head_end);
    EXPECT_EQ(head.find("Transfer-Encoding"), std::string::npos) << head;
    EXPECT_NE(head.find("Connection: close"), std::string::npos) << head;
    std::string expected;
    for (const auto& f : many_frames()) expected += f;
    const auto body = response.substr(head_end + 4);
    ASSERT_EQ(body.size(), expected.size()) << path;
    EXPECT_TRUE(body == expected) << path;
  }
}

TEST_F(SseServer, ConnectionIsKeptForANextRequestAfterAWholeStream) {
  // A browser's next turn goes over the same connection: no "Connection: close", and the stream's end is its
  // last chunk, not the connection's.
  auto s = request("/short", "HTTP/1.1", "");
  std::string text;
  ASSERT_TRUE(read_responses(s, text, 1)) << text;
  const auto head = text.substr(0, text.find("\r\n\r\n"));
  EXPECT_EQ(head.find("Connection: close"), std::string::npos) << head;
  EXPECT_NE(head.find("Transfer-Encoding: chunked"), std::string::npos) << head;
  const std::string expected = format_sse_event("message", "short 0") +
                               format_sse_event("message", "short 1") +
                               format_sse_event("message", "short 2");
  EXPECT_EQ(dechunk(text), expected);

  asio::write(s, asio::buffer(get("/short")));
  std::string second;
  ASSERT_TRUE(read_responses(s, second, 1)) << "no second response on the same connection: " << second;
  EXPECT_EQ(second.rfind("HTTP/1.1 200", 0), 0U) << second;
  EXPECT_EQ(dechunk(second), expected);
}

TEST_F(SseServer, ClientThatAsksForCloseGetsItAfterTheStream) {
  auto s = request("/short");
  const auto text = read_all(s);
  const auto head = text.substr(0, text.find("\r\n\r\n"));
  EXPECT_NE(head.find("Connection: close"), std::string::npos) << head;
  EXPECT_EQ(count(text, "\r\n0\r\n\r\n"), 1U) << text;
}

TEST_F(SseServer, RequestSentDuringAStreamIsAnsweredAfterIt) {
  // The client watch must not read (and drop) what the client sends while the stream runs: it is the next
  // request on the connection.
  auto s = request("/slow", "HTTP/1.1", "");
  std::string text;
  ASSERT_TRUE(read_until(s, text, "data: first")) << text;
  asio::write(s, asio::buffer(get("/short")));
  // The pipelined request is seen by the watch as unread input, not as a client that left.
  slow_release = true;
  ASSERT_TRUE(read_responses(s, text, 2)) << "the request sent during the stream was not answered: " << text;
  EXPECT_FALSE(slow_saw_gone);
  const auto second = text.find("HTTP/1.1 200", 1);
  ASSERT_NE(second, std::string::npos) << text;
  EXPECT_EQ(dechunk(text.substr(0, second)),
            format_sse_event("message", "first") + format_sse_event("message", "last"));
  EXPECT_EQ(dechunk(text.substr(second)), format_sse_event("message", "short 0") +
                                              format_sse_event("message", "short 1") +
                                              format_sse_event("message", "short 2"));
}

TEST_F(SseServer, ClientThatSendsSomethingAndThenLeavesIsSeenAsGone) {
  // Unread bytes keep the socket readable: the end of the client's side is still found (api.md §3.8).
  auto s = request("/slow", "HTTP/1.1", "");
  std::string text;
  ASSERT_TRUE(read_until(s, text, "data: first")) << text;
  asio::write(s, asio::buffer(get("/short")));
  boost::system::error_code ec;
  s.shutdown(tcp::socket::shutdown_both, ec);
  s.close(ec);
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (!slow_saw_gone && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_TRUE(slow_saw_gone) << "the producer was not told the client left";
}

}  // namespace

TEST_F(SseServer, StreamWhoseHandlerFailsEndsAndIsReportedAndTheServerGoesOn) {
  // Failing before the handler's coroutine begins (the handler is called to make it) and after a frame: the
  // stream ends, the connection is not reused, the failure reaches the policy, and the server goes on.
  auto at_once = request("/throws-at-once", "HTTP/1.1", "");
  const auto first = read_all(at_once);
  EXPECT_EQ(first.rfind("HTTP/1.1 200", 0), 0U) << first;
  auto later = request("/throws-later", "HTTP/1.1", "");
  const auto second = read_all(later);
  EXPECT_NE(dechunk(second).find("first"), std::string::npos) << second;
  const auto failures = policy_.failure_messages();
  ASSERT_EQ(failures.size(), 2U);
  EXPECT_NE(std::find(failures.begin(), failures.end(), "failed at once"), failures.end());
  EXPECT_NE(std::find(failures.begin(), failures.end(), "failed after a frame"), failures.end());
  auto next = request("/short");
  EXPECT_EQ(dechunk(read_all(next)), format_sse_event("message", "short 0") +
                                         format_sse_event("message", "short 1") +
                                         format_sse_event("message", "short 2"));
}

// A client that stops reading for good is given up after the write timeout: the writer's wait for it ends the
// stream, the producer sees the client gone, and the server goes on.
class SseServerShortWriteTimeout : public SseServer {
 protected:
  SseServerShortWriteTimeout() { write_timeout_ = std::chrono::milliseconds(300); }
};

TEST_F(SseServerShortWriteTimeout, ClientThatStopsReadingIsGivenUpAfterTheWriteTimeout) {
  bursty_handed = 0;
  auto s = request("/bursty");
  // The client never reads: the socket buffers fill, the writer waits for the client, and after 300 ms gives
  // up. Waits for that event (the policy hears that the client left), at most 10 s.
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (policy_.left == 0 && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_EQ(policy_.left, 1) << "the stream of a client that stopped reading did not end";
  // The server closed the connection: what the client finds is what was in the socket buffers, not the
  // whole stream.
  std::string expected;
  for (const auto& f : many_frames()) expected += f;
  EXPECT_LT(read_all(s).size(), expected.size()) << "the connection of a client given up is closed";
  auto next = request("/short");
  EXPECT_EQ(dechunk(read_all(next)), format_sse_event("message", "short 0") +
                                         format_sse_event("message", "short 1") +
                                         format_sse_event("message", "short 2"));
}
