// HttpClient::stream against a loopback server. Between the pieces of a body the stream waits for the
// upstream through a callback, not in a coroutine (P3): the pieces still come in order and the connection is
// kept for the next request; an exception out of the data callback reaches the caller; the caller's cancel
// and the read timeout end a stream that waits. Each test runs with a data callback that answers at once (no
// coroutine for the piece) and with one that answers later (DataStep::later, awaited before the next read).
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "net/http_client.hpp"

namespace parley::net {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Kind = TransportError::Kind;
using StreamResult = Result<int, TransportError>;

const std::vector<std::string> kPieces = {"one", "two", "three"};

std::string chunk(const std::string& data) {
  char size[16];
  std::snprintf(size, sizeof size, "%zx", data.size());
  return std::string(size) + "\r\n" + data + "\r\n";
}

class HttpClientStreamTest : public ::testing::TestWithParam<bool> {
 protected:
  // A data callback's answer: at once, or from a coroutine (`later`) when the test runs with the parameter.
  static asio::awaitable<bool> answered(bool more) { co_return more; }
  static DataStep answer(bool more, bool later) {
    if (!later) return DataStep::now(more);
    return DataStep::after(answered(more));
  }

  std::string url() { return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + "/s"; }

  ClientRequest request(std::chrono::milliseconds read_timeout = std::chrono::seconds(30)) {
    ClientRequest r;
    r.url = url();
    r.read_timeout = read_timeout;
    return r;
  }

  // Accepts connections and answers each request on them with `answer`, one coroutine per connection.
  using Answer = std::function<asio::awaitable<bool>(tcp::socket&)>;  // false: close the connection
  asio::awaitable<void> serve(Answer answer) {
    for (;;) {
      auto [aec, socket] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
      if (aec) co_return;
      ++accepted_;
      asio::co_spawn(ioc_, answer_requests(std::move(socket), answer), asio::detached);
    }
  }

  static asio::awaitable<void> answer_requests(tcp::socket socket, Answer answer) {
    std::string buffer;
    for (;;) {
      auto [rec, n] = co_await asio::async_read_until(socket, asio::dynamic_buffer(buffer), "\r\n\r\n",
                                                      asio::as_tuple(asio::use_awaitable));
      if (rec) co_return;
      buffer.erase(0, n);
      if (!co_await answer(socket)) co_return;
    }
  }

  // Waits until the client's data callback has had `count` pieces in all (counted before the piece is sent:
  // the client may take it before the write's completion runs here).
  asio::awaitable<void> until_taken(std::size_t count) {
    while (got_.size() < count) {
      co_await piece_taken_.async_wait(asio::as_tuple(asio::use_awaitable));
      piece_taken_.expires_at(asio::steady_timer::time_point::max());
    }
  }

  static asio::awaitable<bool> write(tcp::socket& socket, const std::string& text) {
    auto [ec, n] =
        co_await asio::async_write(socket, asio::buffer(text), asio::as_tuple(asio::use_awaitable));
    co_return !ec;
  }

  // The head, then each piece once the client has the one before it, then the end of the body.
  static asio::awaitable<bool> pieces_one_by_one(HttpClientStreamTest* t, tcp::socket& socket) {
    if (!co_await write(socket, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")) co_return false;
    for (const auto& piece : kPieces) {
      const auto had = t->got_.size();
      if (!co_await write(socket, chunk(piece))) co_return false;
      co_await t->until_taken(had + 1);
    }
    co_return co_await write(socket, "0\r\n\r\n");
  }

  // The head and one piece, then `then` once the client has it; the connection is held until the client
  // closes it.
  static asio::awaitable<bool> one_piece_then(HttpClientStreamTest* t, tcp::socket& socket,
                                              std::function<void()> then) {
    const auto had = t->got_.size();
    if (!co_await write(socket, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk("one")))
      co_return false;
    co_await t->until_taken(had + 1);
    if (then) then();
    char byte = 0;
    co_await socket.async_read_some(asio::buffer(&byte, 1), asio::as_tuple(asio::use_awaitable));
    co_return false;
  }

  static bool take(HttpClientStreamTest* t, std::string_view data, bool fail) {
    t->got_.emplace_back(data);
    t->piece_taken_.cancel();
    if (fail) throw std::runtime_error("the data callback failed");
    return true;
  }
  static asio::awaitable<bool> take_later(HttpClientStreamTest* t, std::string data, bool fail) {
    co_return take(t, data, fail);
  }

  HttpClient::DataFn taker(bool fail = false) {
    return [this, fail, later = GetParam()](std::string_view data) {
      if (later) return DataStep::after(take_later(this, std::string(data), fail));
      return DataStep::now(take(this, data, fail));
    };
  }

  void start_server(Answer answer) { asio::co_spawn(ioc_, serve(std::move(answer)), asio::detached); }

  // Runs the client's side to its end; the server's coroutines left waiting are dropped with the io_context.
  // A client that never ends fails the test after 20 s instead of hanging it.
  template <class T>
  T run(asio::awaitable<T> work) {
    std::optional<T> out;
    std::exception_ptr failure;
    asio::steady_timer guard(ioc_, std::chrono::seconds(20));
    guard.async_wait([this](boost::system::error_code ec) {
      if (!ec) ioc_.stop();
    });
    asio::co_spawn(ioc_, std::move(work), [&](std::exception_ptr e, T value) {
      failure = e;
      if (!e) out = std::move(value);
      ioc_.stop();
    });
    ioc_.run();
    if (failure) std::rethrow_exception(failure);
    if (!out) throw std::runtime_error("the client's side did not end within 20 s");
    return std::move(*out);
  }

  asio::io_context ioc_;
  tcp::acceptor acceptor_{ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  HttpClient http_{ioc_};
  asio::steady_timer piece_taken_{ioc_, asio::steady_timer::time_point::max()};
  std::vector<std::string> got_;
  int accepted_ = 0;
};

asio::awaitable<std::vector<StreamResult>> two_streams(HttpClient& http, ClientRequest a, ClientRequest b,
                                                       HttpClient::DataFn on_data) {
  std::vector<StreamResult> out;
  out.push_back(co_await http.stream(std::move(a), nullptr, on_data));
  out.push_back(co_await http.stream(std::move(b), nullptr, on_data));
  co_return out;
}

TEST_P(HttpClientStreamTest, PiecesThatArriveApartComeInOrderAndTheConnectionIsKept) {
  start_server([this](tcp::socket& s) { return pieces_one_by_one(this, s); });
  const auto results = run(two_streams(http_, request(), request(), taker()));
  ASSERT_EQ(results.size(), 2u);
  for (const auto& r : results) {
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(*r, 200);
  }
  EXPECT_EQ(got_, (std::vector<std::string>{"one", "two", "three", "one", "two", "three"}));
  EXPECT_EQ(accepted_, 1);  // the second stream went over the first one's connection
}

asio::awaitable<std::string> stream_expecting_throw(HttpClient& http, ClientRequest a, ClientRequest b,
                                                    HttpClient::DataFn failing, HttpClient::DataFn plain) {
  std::string what;
  try {
    co_await http.stream(std::move(a), nullptr, failing);
  } catch (const std::runtime_error& e) {
    what = e.what();
  }
  // The failed stream's connection is not reused: the next request opens a new one.
  auto next = co_await http.stream(std::move(b), nullptr, plain);
  if (!next) what += " / next failed: " + next.error().message;
  co_return what;
}

TEST_P(HttpClientStreamTest, AnExceptionFromTheDataCallbackReachesTheCaller) {
  start_server([this](tcp::socket& s) { return pieces_one_by_one(this, s); });
  const auto what = run(stream_expecting_throw(http_, request(), request(), taker(true), taker()));
  EXPECT_EQ(what, "the data callback failed");
  EXPECT_EQ(got_.front(), "one");
  EXPECT_EQ(got_.size(), 1u + kPieces.size());
  EXPECT_EQ(accepted_, 2);
}

asio::awaitable<StreamResult> one_stream(HttpClient& http, ClientRequest r, HttpClient::DataFn on_data,
                                         CancelSignal* cancel) {
  auto out = co_await http.stream(std::move(r), nullptr, on_data, cancel);
  co_return out;
}

TEST_P(HttpClientStreamTest, TheCallersCancelEndsAStreamThatWaits) {
  CancelSignal cancel;
  start_server(
      [this, &cancel](tcp::socket& s) { return one_piece_then(this, s, [&cancel] { cancel.cancel(); }); });
  const auto result = run(one_stream(http_, request(), taker(), &cancel));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, Kind::cancelled);
  EXPECT_EQ(got_, std::vector<std::string>{"one"});
}

TEST_P(HttpClientStreamTest, TheReadTimeoutEndsAStreamThatWaits) {
  start_server([this](tcp::socket& s) { return one_piece_then(this, s, nullptr); });
  const auto result = run(one_stream(http_, request(std::chrono::seconds(1)), taker(), nullptr));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, Kind::timeout);
  EXPECT_EQ(got_, std::vector<std::string>{"one"});
}

// The whole body in one write: a data callback that stops at the first piece still leaves the connection
// reusable, because the rest of the body has been received.
asio::awaitable<bool> whole_body(tcp::socket& socket) {
  const std::string text =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk("one") + chunk("two") + "0\r\n\r\n";
  auto [ec, n] = co_await asio::async_write(socket, asio::buffer(text), asio::as_tuple(asio::use_awaitable));
  co_return !ec;
}

TEST_P(HttpClientStreamTest, StoppingWhenTheRestOfTheBodyHasArrivedKeepsTheConnection) {
  start_server([](tcp::socket& s) { return whole_body(s); });
  HttpClient::DataFn stop = [this, later = GetParam()](std::string_view data) {
    got_.emplace_back(data);
    return answer(false, later);
  };
  const auto results = run(two_streams(http_, request(), request(), stop));
  ASSERT_EQ(results.size(), 2u);
  for (const auto& r : results) ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(got_.size(), 2u);
  EXPECT_EQ(accepted_, 1);
}

// A large body from a thread of its own (blocking writes), so that more of it keeps arriving while the client
// relays: many reads are there without waiting, one after another.
void serve_large_body(tcp::acceptor& acceptor) {
  boost::system::error_code ec;
  tcp::socket socket(acceptor.get_executor());
  acceptor.accept(socket, ec);
  if (ec) return;
  std::string request;
  asio::read_until(socket, asio::dynamic_buffer(request), "\r\n\r\n", ec);
  std::string text = "HTTP/1.1 200 OK\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 2048; ++i) text += chunk(std::string(4096, static_cast<char>('a' + i % 26)));
  text += "0\r\n\r\n";
  asio::write(socket, asio::buffer(text), ec);
}

// Reads that are already there are taken in a loop, whichever way the data callback answers: the stack does
// not grow with each one (an answer given later that completes without suspending used to start a coroutine
// inside the last one's, one stack level per read).
TEST_P(HttpClientStreamTest, ReadsThatAreAlreadyThereDoNotGrowTheStack) {
  asio::io_context server_io;
  tcp::acceptor server(server_io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  std::thread serving([&server] { serve_large_body(server); });
  ClientRequest r = request();
  r.url = "http://127.0.0.1:" + std::to_string(server.local_endpoint().port()) + "/s";
  std::uintptr_t lowest = UINTPTR_MAX;
  std::uintptr_t highest = 0;
  std::size_t bytes = 0;
  int calls = 0;
  HttpClient::DataFn watch = [&, later = GetParam()](std::string_view data) {
    char marker = 0;
    const auto at = reinterpret_cast<std::uintptr_t>(&marker);
    lowest = std::min(lowest, at);
    highest = std::max(highest, at);
    bytes += data.size();
    ++calls;
    return answer(true, later);
  };
  const auto result = run(one_stream(http_, std::move(r), watch, nullptr));
  serving.join();
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(bytes, 2048u * 4096u);
  EXPECT_GT(calls, 20);
  EXPECT_LT(highest - lowest, 4u * 1024u) << calls << " pieces";
}

asio::awaitable<void> await_stream(HttpClient* http, ClientRequest r, HttpClient::DataFn on_data,
                                   std::shared_ptr<int> token) {
  co_await http->stream(std::move(r), nullptr, std::move(on_data));
  ++*token;  // not reached: the io_context goes away first
}

// An io_context destroyed while a stream waits for the upstream (a shutdown's last step) frees the stream and
// the caller's coroutine: nothing holds them in a cycle.
TEST_P(HttpClientStreamTest, DestroyingTheIoContextWhileAStreamWaitsFreesItAndItsCaller) {
  auto ioc = std::make_unique<asio::io_context>();
  auto acceptor =
      std::make_unique<tcp::acceptor>(*ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  auto http = std::make_unique<HttpClient>(*ioc);
  auto token = std::make_shared<int>(0);
  std::weak_ptr<int> watch = token;
  ClientRequest r;
  r.url = "http://127.0.0.1:" + std::to_string(acceptor->local_endpoint().port()) + "/s";
  // The server sends the head and one piece, then holds the connection.
  std::optional<tcp::socket> server_side;
  acceptor->async_accept([&](boost::system::error_code ec, tcp::socket socket) {
    if (ec) return;
    server_side.emplace(std::move(socket));
    static const std::string text = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk("one");
    asio::async_write(*server_side, asio::buffer(text), [](boost::system::error_code, std::size_t) {});
  });
  bool taken = false;
  // The data callback holds `token` too: it lives in the stream's state.
  HttpClient::DataFn holder = [token, &taken, later = GetParam()](std::string_view) {
    taken = true;
    return answer(true, later);
  };
  asio::co_spawn(*ioc, await_stream(http.get(), std::move(r), std::move(holder), token), asio::detached);
  token.reset();
  while (!taken && ioc->run_one_for(std::chrono::seconds(20)) > 0) {
  }
  ASSERT_TRUE(taken);
  // Let the relay finish with the piece and start waiting for the next.
  ioc->poll();
  server_side.reset();
  acceptor.reset();
  http.reset();
  EXPECT_FALSE(watch.expired());  // the stream waits, holding its caller
  ioc.reset();
  EXPECT_TRUE(watch.expired());
}

INSTANTIATE_TEST_SUITE_P(DataAnsweredAtOnceOrLater, HttpClientStreamTest, ::testing::Bool());

}  // namespace
}  // namespace parley::net
