// The HTTP session over Beast's test::stream, failing at every read and write it makes (fail counts 1..N):
// request head, buffered and streamed bodies (with 100 Continue), response, early answer with its drain, SSE
// head and frames (chunked and HTTP/1.0 close-delimited). Whatever step fails, the session ends cleanly: it
// does not hang, the connection is closed, nothing is left behind, the client got a prefix of the clean
// run's bytes, and the policy heard `completed` once for each request it saw: with the status when the whole
// response went out, 0 when it did not.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/_experimental/test/fail_count.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <chrono>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "net/http_session.hpp"
#include "net/open_streams.hpp"
#include "net_test_connection.hpp"

namespace {

using namespace parley::net;
using parley::net::testing::ConnectionProbe;
using parley::net::testing::TestConnection;
namespace asio = boost::asio;
namespace beast = boost::beast;

constexpr std::size_t kUnlimited = std::numeric_limits<std::size_t>::max();

class RecordingPolicy final : public RequestPolicy {
 public:
  asio::awaitable<std::optional<Response>> before(Request& req, const RouteMatch&) override {
    ++seen;
    if (req.path == "/refused") co_return Response::json(401, R"({"detail":"Not authenticated"})");
    co_return std::nullopt;
  }
  void after(const Request&, Response& res) override { res.headers.set("X-Request-Id", "req-1"); }
  void completed(const Request&, int status, std::chrono::steady_clock::duration) override {
    statuses.push_back(status);
  }
  void failed(const Request&, const std::exception& e) override { failures.emplace_back(e.what()); }
  void client_left(const Request&) override { ++left; }

  int seen = 0;
  std::vector<int> statuses;
  std::vector<std::string> failures;
  int left = 0;
};

class TestHost final : public ConnectionHost {
 public:
  TestHost(ServerOptions server_options, const Router& routes, const StaticFiles& ui_files,
           RequestPolicy& request_policy)
      : ConnectionHost(std::move(server_options), routes, ui_files, request_policy, 16) {}
  // Holds the connection until it has closed, as the server does.
  void opened(std::shared_ptr<ServerConnection> connection) {
    limit.opened();
    held = std::move(connection);
  }
  void closed(const std::shared_ptr<ServerConnection>& connection) override {
    ++closed_count;
    limit.closed(*connection);
    if (held == connection) held.reset();
  }
  std::shared_ptr<ServerConnection> held;
  int closed_count = 0;
};

// What the SSE producers did, across the coroutine boundary.
struct ProducerLog {
  int started = 0;
  int finished = 0;
};
ProducerLog producer_log;

std::string long_text() {
  std::string text;
  for (int i = 0; text.size() < 3000; ++i) text += "line " + std::to_string(i) + " of a longer response\n";
  return text;
}

asio::awaitable<Response> text_route(Request&) {
  Response res;
  res.headers.set("Content-Type", "text/plain");
  res.body = long_text();
  co_return res;
}

asio::awaitable<Response> echo_route(Request& req) {
  co_return Response::json(200, R"({"bytes":)" + std::to_string(req.body.size()) + "}");
}

// Reads the streamed body like the upload route does; what it answers after a failed read is never written.
asio::awaitable<Response> upload_route(Request& req) {
  std::size_t total = 0;
  for (;;) {
    const auto piece = co_await req.body_reader->read_some();
    if (piece.status == BodyReader::Status::data) {
      total += piece.data.size();
      continue;
    }
    if (piece.status != BodyReader::Status::end)
      co_return Response::json(400, R"({"detail":"upload failed"})");
    break;
  }
  co_return Response::json(200, R"({"bytes":)" + std::to_string(total) + "}");
}

asio::awaitable<void> five_frames(SseSink& sink) {
  ++producer_log.started;
  for (int i = 0; i < 5; ++i) {
    if (!co_await sink.send(
            format_sse_event("message", "frame " + std::to_string(i) + " " + std::string(40, 'x'))))
      break;
  }
  ++producer_log.finished;
}

asio::awaitable<Response> events_route(Request&) {
  Response res;
  res.sse = [](SseSink& sink) { return five_frames(sink); };
  co_return res;
}

asio::awaitable<void> breaking_producer(SseSink& sink) {
  ++producer_log.started;
  co_await sink.send(format_sse_event("message", "before the failure"));
  ++producer_log.finished;
  throw std::runtime_error("producer broke");
}

asio::awaitable<Response> breaking_events_route(Request&) {
  Response res;
  res.sse = [](SseSink& sink) { return breaking_producer(sink); };
  co_return res;
}

// Sends one frame, then waits until the client leaves (the sink's cancel signal), like a turn waiting for
// its upstream.
asio::awaitable<void> waiting_producer(SseSink& sink) {
  ++producer_log.started;
  co_await sink.send(format_sse_event("message", "waiting"));
  asio::steady_timer wait(co_await asio::this_coro::executor, asio::steady_timer::time_point::max());
  const auto hook = sink.cancellation().on_cancel([&wait] { wait.cancel(); });
  if (!sink.client_gone()) co_await wait.async_wait(asio::as_tuple(asio::use_awaitable));
  sink.cancellation().remove(hook);
  ++producer_log.finished;
}

asio::awaitable<Response> waiting_events_route(Request&) {
  Response res;
  res.sse = [](SseSink& sink) { return waiting_producer(sink); };
  co_return res;
}

// Frames with a pause between them: with a keep-alive of 0 the writer sends a ping in each pause.
asio::awaitable<void> paced_frames(SseSink& sink) {
  ++producer_log.started;
  asio::steady_timer pause(co_await asio::this_coro::executor);
  for (int i = 0; i < 6; ++i) {
    if (!co_await sink.send(format_sse_event("message", "paced " + std::to_string(i)))) break;
    pause.expires_after(std::chrono::milliseconds(0));
    co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  ++producer_log.finished;
}

asio::awaitable<Response> paced_events_route(Request&) {
  Response res;
  res.sse = [](SseSink& sink) { return paced_frames(sink); };
  co_return res;
}

Router test_routes() {
  Router router;
  router.add(RouteSpec{"GET", "/text", text_route, BodyPolicy::ignored, Access::open});
  router.add(RouteSpec{"POST", "/echo", echo_route, BodyPolicy::normal, Access::open});
  router.add(RouteSpec{"POST", "/upload", upload_route, BodyPolicy::upload, Access::open});
  router.add(RouteSpec{"POST", "/refused", echo_route, BodyPolicy::normal, Access::open});
  router.add(RouteSpec{"GET", "/events", events_route, BodyPolicy::ignored, Access::open});
  router.add(RouteSpec{"GET", "/events-paced", paced_events_route, BodyPolicy::ignored, Access::open});
  router.add(RouteSpec{"GET", "/events-breaking", breaking_events_route, BodyPolicy::ignored, Access::open});
  router.add(RouteSpec{"GET", "/events-waiting", waiting_events_route, BodyPolicy::ignored, Access::open});
  return router;
}

struct Scenario {
  std::string request;
  std::size_t read_size = kUnlimited;   // bytes the session gets per read (more reads: more failure points)
  std::size_t write_size = kUnlimited;  // bytes it writes per write
  bool client_half_closes = true;       // the client sends nothing after its request (keep-alive ends there)
  // No pings by default: the clean run's bytes are the reference. With 0, the writer sends a ping whenever it
  // would wait (their timestamps are masked before comparing).
  std::chrono::milliseconds sse_keepalive = std::chrono::hours(1);
};

// ": ping <ISO time>" -> ": ping <as many x>", so that runs can be compared byte for byte.
std::string mask_ping_times(std::string bytes) {
  static constexpr std::string_view kPing = ": ping ";
  for (auto at = bytes.find(kPing); at != std::string::npos; at = bytes.find(kPing, at + 1)) {
    for (auto i = at + kPing.size(); i < bytes.size() && bytes[i] != '\n'; ++i) bytes[i] = 'x';
  }
  return bytes;
}

struct Run {
  bool finished = false;
  std::string received;  // what the client got
  bool session_gone = false;
  ConnectionProbe probe;
  RecordingPolicy policy;
  int closed_count = 0;
  std::size_t open_after = 0;
  int open_streams_after = 0;
  ProducerLog producers;
};

// One connection with one request. `fail_at`: the 1-based read or write that fails (and every one after it:
// the connection is broken from there on).
std::unique_ptr<Run> run_session(const Scenario& scenario, std::size_t fail_at) {
  auto run = std::make_unique<Run>();
  producer_log = {};
  const Router router = test_routes();
  const StaticFiles ui = StaticFiles::from_embedded({});
  ServerOptions options;
  options.sse_keepalive = scenario.sse_keepalive;
  {
    asio::io_context ioc;
    beast::test::fail_count fc(fail_at);
    beast::test::stream client(ioc);
    std::weak_ptr<HttpSession<TestConnection>> weak;
    auto host = std::make_shared<TestHost>(options, router, ui, run->policy);
    auto probe = std::make_shared<ConnectionProbe>();
    {
      beast::test::stream server(ioc, fc);
      server.connect(client);
      server.append(scenario.request);
      if (scenario.client_half_closes) server.close_remote();
      server.read_size(scenario.read_size);
      server.write_size(scenario.write_size);
      auto session =
          std::make_shared<HttpSession<TestConnection>>(TestConnection(std::move(server), probe), host);
      weak = session;
      host->opened(session);
      session->start();
    }
    ioc.run_for(std::chrono::seconds(5));
    run->finished = ioc.stopped();
    run->received = mask_ping_times(std::string(client.str()));
    run->session_gone = weak.expired();
    run->probe = *probe;
    run->closed_count = host->closed_count;
    run->open_after = host->limit.open();
    run->open_streams_after = OpenStream::open_count();
    run->producers = producer_log;
  }
  return run;
}

// How the clean run's bytes tell a complete response from a partial one.
enum class Kind { plain, sse_chunked, sse_close_delimited };

// Runs the scenario cleanly, then failing at each of its operations; checks every run. Records how many
// failure points there were.
void fail_everywhere(const Scenario& scenario, Kind kind, int clean_status, std::size_t at_least) {
  const auto clean = run_session(scenario, kUnlimited);
  EXPECT_TRUE(clean->finished);
  EXPECT_EQ(clean->policy.statuses, std::vector<int>{clean_status}) << clean->received;
  const std::size_t operations = clean->probe.operations;
  ::testing::Test::RecordProperty("failure_points", static_cast<int>(operations));
  EXPECT_GE(operations, at_least) << "the scenario should fail at more points";
  const std::string& all = clean->received;
  const auto head_end = all.find("\r\n\r\n", all.find(" 200 OK"));
  for (std::size_t n = 1; n <= operations; ++n) {
    SCOPED_TRACE("failing at operation " + std::to_string(n) + " of " + std::to_string(operations));
    const auto r = run_session(scenario, n);
    ASSERT_TRUE(r->finished) << "the session hung";
    EXPECT_TRUE(r->session_gone) << "the session outlived its connection";
    EXPECT_TRUE(r->probe.closed) << "the connection was not closed";
    EXPECT_EQ(r->closed_count, 1);
    EXPECT_EQ(r->open_after, 0u);
    EXPECT_EQ(r->open_streams_after, 0);
    ASSERT_LE(r->received.size(), all.size());
    EXPECT_EQ(all.compare(0, r->received.size(), r->received), 0) << "not a prefix of the clean run:\n"
                                                                  << r->received;
    EXPECT_TRUE(r->policy.failures.empty());
    // Exactly one `completed` for a request whose head was read; none for one that was not.
    ASSERT_EQ(r->policy.statuses.size(), static_cast<std::size_t>(r->policy.seen));
    if (kind == Kind::plain) {
      if (r->policy.seen == 1) {
        EXPECT_EQ(r->policy.statuses[0], r->received == all ? clean_status : 0);
      }
      continue;
    }
    const bool head_out = head_end != std::string::npos && r->received.size() >= head_end + 4;
    if (r->policy.seen == 1) {
      EXPECT_EQ(r->policy.statuses[0], head_out ? 200 : 0);
    }
    // The producer ran (to its end) exactly when the head went out.
    EXPECT_EQ(r->producers.started, head_out ? 1 : 0);
    EXPECT_EQ(r->producers.finished, r->producers.started);
    // A stream cut before its last frame is a client that left (a lost last chunk "0\r\n\r\n" is not).
    const std::size_t end_marker = kind == Kind::sse_chunked ? 5 : 0;
    EXPECT_EQ(r->policy.left, head_out && r->received.size() < all.size() - end_marker ? 1 : 0);
  }
}

const std::string kBody(600, 'b');

TEST(HttpSessionFailCount, RequestHeadRead) {
  Scenario s;
  s.request =
      "GET /text HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: fail-count-test\r\nAccept: text/plain\r\n"
      "Accept-Language: en\r\n\r\n";
  s.read_size = 4;
  fail_everywhere(s, Kind::plain, 200, 30);
}

TEST(HttpSessionFailCount, BufferedBodyReadAfter100Continue) {
  Scenario s;
  s.request = "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: " +
              std::to_string(kBody.size()) + "\r\nExpect: 100-continue\r\n\r\n" + kBody;
  s.read_size = 32;
  fail_everywhere(s, Kind::plain, 200, 20);
}

TEST(HttpSessionFailCount, ChunkedBufferedBodyRead) {
  Scenario s;
  s.request =
      "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
      "12c\r\n" +
      kBody.substr(0, 300) + "\r\n12c\r\n" + kBody.substr(0, 300) + "\r\n0\r\n\r\n";
  s.read_size = 32;
  fail_everywhere(s, Kind::plain, 200, 20);
}

TEST(HttpSessionFailCount, StreamedBodyReadAfter100Continue) {
  Scenario s;
  s.request = "POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + std::to_string(kBody.size()) +
              "\r\nExpect: 100-continue\r\n\r\n" + kBody;
  s.read_size = 32;
  fail_everywhere(s, Kind::plain, 200, 20);
}

TEST(HttpSessionFailCount, ResponseWrite) {
  Scenario s;
  s.request = "GET /text HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  s.write_size = 100;
  fail_everywhere(s, Kind::plain, 200, 30);
}

TEST(HttpSessionFailCount, EarlyAnswerThenDrainOfTheUnreadBody) {
  Scenario s;
  s.request = "POST /refused HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + std::to_string(kBody.size()) +
              "\r\n\r\n" + kBody;
  s.read_size = 64;
  s.write_size = 32;
  fail_everywhere(s, Kind::plain, 401, 10);
}

TEST(HttpSessionFailCount, SseHeadAndFrameWrites) {
  Scenario s;
  s.request = "GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  s.write_size = 16;
  s.client_half_closes = false;  // a client that half-closes has left the stream (the watch sees it)
  fail_everywhere(s, Kind::sse_chunked, 200, 20);
}

TEST(HttpSessionFailCount, SseHeadAndFrameWritesCloseDelimitedForHttp10) {
  Scenario s;
  s.request = "GET /events HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  s.write_size = 16;
  s.client_half_closes = false;
  fail_everywhere(s, Kind::sse_close_delimited, 200, 20);
}

TEST(HttpSessionFailCount, SseKeepAlivePingWrites) {
  Scenario s;
  s.request = "GET /events-paced HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  s.write_size = 16;
  s.client_half_closes = false;
  s.sse_keepalive = std::chrono::milliseconds(0);
  fail_everywhere(s, Kind::sse_chunked, 200, 20);
}

TEST(HttpSessionSse, CleanStreamIsChunkedAndEndsWithTheLastChunk) {
  Scenario s;
  s.request = "GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  s.client_half_closes = false;
  const auto r = run_session(s, kUnlimited);
  ASSERT_TRUE(r->finished);
  EXPECT_NE(r->received.find("Transfer-Encoding: chunked\r\n"), std::string::npos) << r->received;
  EXPECT_NE(r->received.find("data: frame 4 "), std::string::npos) << r->received;
  EXPECT_TRUE(r->received.ends_with("\r\n0\r\n\r\n")) << r->received;
  EXPECT_EQ(r->policy.left, 0);
  EXPECT_EQ(r->producers.finished, 1);
}

TEST(HttpSessionSse, ExceptionEscapingTheProducerIsReportedAndTheStreamEnds) {
  Scenario s;
  s.request = "GET /events-breaking HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  s.client_half_closes = false;
  const auto r = run_session(s, kUnlimited);
  ASSERT_TRUE(r->finished);
  EXPECT_TRUE(r->session_gone);
  EXPECT_TRUE(r->probe.closed);
  EXPECT_EQ(r->policy.failures, std::vector<std::string>{"producer broke"});
  EXPECT_EQ(r->policy.statuses, std::vector<int>{200});
  EXPECT_NE(r->received.find("data: before the failure"), std::string::npos) << r->received;
}

TEST(HttpSessionSse, ClientThatLeavesIsSeenByTheWatchAndTheProducerIsCancelled) {
  Scenario s;
  s.request = "GET /events-waiting HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  s.client_half_closes = true;  // the client closes its side: it has left
  const auto r = run_session(s, kUnlimited);
  ASSERT_TRUE(r->finished) << "the producer was not told the client left";
  EXPECT_TRUE(r->session_gone);
  EXPECT_EQ(r->producers.finished, 1);
  EXPECT_EQ(r->policy.left, 1);
  EXPECT_EQ(r->policy.statuses, std::vector<int>{200});
  EXPECT_FALSE(r->received.ends_with("0\r\n\r\n")) << "no end marker for a client that is gone";
}

}  // namespace
