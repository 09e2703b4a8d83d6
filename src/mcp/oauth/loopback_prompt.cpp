#include "mcp/oauth/loopback_prompt.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <iostream>

namespace parley::mcp::oauth {

namespace asio = boost::asio;
using asio::ip::tcp;

std::optional<std::string> request_target_of(std::string_view head) {
  if (head.rfind("GET ", 0) != 0) return std::nullopt;
  const auto end = head.find(' ', 4);
  if (end == std::string_view::npos || end == 4) return std::nullopt;
  const auto target = head.substr(4, end - 4);
  if (target.front() != '/') return std::nullopt;
  return std::string(target);
}

std::string resolve_location(std::string_view base, std::string_view location) {
  auto parsed_base = boost::urls::parse_absolute_uri(base);
  auto reference = boost::urls::parse_uri_reference(location);
  if (!parsed_base || !reference) return {};
  boost::urls::url out;
  if (!boost::urls::resolve(*parsed_base, *reference, out)) return {};
  return std::string(out.buffer());
}

LoopbackPrompt::LoopbackPrompt(asio::any_io_executor executor, net::HttpClient& http, bool headless,
                               std::chrono::seconds wait)
    : executor_(std::move(executor)), http_(http), headless_(headless), wait_(wait) {}

asio::awaitable<Result<std::string, Failure>> LoopbackPrompt::redirect_uri() {
  if (!redirect_uri_.empty()) co_return redirect_uri_;
  boost::system::error_code ec;
  acceptor_.emplace(executor_);
  const tcp::endpoint local(asio::ip::make_address_v4("127.0.0.1"), 0);
  acceptor_->open(local.protocol(), ec);
  if (!ec) acceptor_->bind(local, ec);
  if (!ec) acceptor_->listen(8, ec);
  if (!ec) {
    redirect_uri_ = "http://127.0.0.1:" + std::to_string(acceptor_->local_endpoint().port()) + "/callback";
    co_return redirect_uri_;
  }
  co_return fail("cannot listen on 127.0.0.1 for the authorization callback: " + ec.message());
}

namespace {

// The query of `url` when it is a redirect to `redirect_uri` (same scheme, host, port and path).
std::optional<FormFields> callback_query(std::string_view url, std::string_view redirect_uri) {
  auto u = boost::urls::parse_absolute_uri(url);
  auto r = boost::urls::parse_absolute_uri(redirect_uri);
  if (!u || !r) return std::nullopt;
  if (u->scheme() != r->scheme() || u->encoded_host() != r->encoded_host() || u->port() != r->port() ||
      u->encoded_path() != r->encoded_path()) {
    return std::nullopt;
  }
  return parse_query(u->encoded_query());
}

}  // namespace

asio::awaitable<Result<FormFields, Failure>> LoopbackPrompt::follow_redirects(std::string url) {
  for (int hop = 0; hop < 10; ++hop) {
    if (auto query = callback_query(url, redirect_uri_)) co_return std::move(*query);
    net::ClientRequest request;
    request.url = url;
    request.read_timeout = std::chrono::seconds(30);
    request.max_body_bytes = 1024 * 1024;
    auto answer = co_await http_.fetch(std::move(request));
    if (!answer) co_return fail("opening the authorization URL failed: " + answer.error().message);
    const int status = answer->status;
    auto location = answer->headers.get("Location");
    if (status < 300 || status >= 400 || !location) {
      co_return fail("the authorization server answered HTTP " + std::to_string(status) +
                     " without sending the browser back; it needs a person (run without "
                     "--headless-authorization)");
    }
    url = resolve_location(url, *location);
    if (url.empty()) co_return fail("the authorization server redirected to an invalid URL");
  }
  co_return fail("the authorization server redirected more than 10 times");
}

namespace {

constexpr std::string_view kDonePage =
    "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nConnection: close\r\n"
    "Cache-Control: no-store\r\n\r\n<!doctype html><title>parley</title><p>parley got the answer of the "
    "authorization server. You can close this tab.</p>";
constexpr std::string_view kNotFound =
    "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

// One connection: reads its request head (at most 8 KiB) and returns the callback query when the request is
// the redirect carrying `state`; any other request is answered 404.
asio::awaitable<std::optional<FormFields>> serve_one(tcp::socket socket, std::string state) {
  std::string head;
  auto [ec, n] = co_await asio::async_read_until(socket, asio::dynamic_buffer(head, 8192), "\r\n\r\n",
                                                 asio::as_tuple(asio::use_awaitable));
  std::optional<FormFields> found;
  if (!ec) {
    auto target = request_target_of(head);
    if (target && (target->rfind("/callback?", 0) == 0)) {
      auto query = parse_query(std::string_view(*target).substr(10));
      if (field(query, "state") == state) found = std::move(query);
    }
  }
  (void)co_await asio::async_write(socket, asio::buffer(found ? kDonePage : kNotFound),
                                   asio::as_tuple(asio::use_awaitable));
  boost::system::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  co_return found;
}

asio::awaitable<void> sleep_for(std::chrono::seconds wait) {
  asio::steady_timer timer(co_await asio::this_coro::executor, wait);
  (void)co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

asio::awaitable<Result<FormFields, Failure>> accept_callback(tcp::acceptor& acceptor, std::string state) {
  using namespace asio::experimental::awaitable_operators;
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return fail("the authorization callback listener failed: " + ec.message());
    // A connection that sends nothing (another local process) must not keep the browser's redirect out.
    auto served = co_await (serve_one(std::move(socket), state) || sleep_for(std::chrono::seconds(10)));
    if (served.index() == 0 && std::get<0>(served)) co_return std::move(*std::get<0>(served));
  }
}

}  // namespace

asio::awaitable<Result<FormFields, Failure>> LoopbackPrompt::wait_for_browser(std::string state) {
  using namespace asio::experimental::awaitable_operators;
  auto result = co_await (accept_callback(*acceptor_, std::move(state)) || sleep_for(wait_));
  if (result.index() == 0) co_return std::get<0>(std::move(result));
  co_return fail("nobody completed the authorization within " + std::to_string(wait_.count()) + " s");
}

asio::awaitable<Result<FormFields, Failure>> LoopbackPrompt::authorize(std::string server_url,
                                                                       std::string authorization_url,
                                                                       std::string state,
                                                                       CancelSignal* /*cancel*/) {
  if (redirect_uri_.empty()) co_return fail("no redirect URI was prepared");
  if (headless_) co_return co_await follow_redirects(std::move(authorization_url));
  std::cerr << "parley: the MCP server " << server_url
            << " needs authorization. Open this URL in a browser on this machine:\n\n  " << authorization_url
            << "\n\nWaiting for the browser to come back to " << redirect_uri_ << " ...\n";
  co_return co_await wait_for_browser(std::move(state));
}

}  // namespace parley::mcp::oauth
