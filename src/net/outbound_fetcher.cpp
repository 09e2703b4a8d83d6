#include "net/outbound_fetcher.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/url/parse.hpp>
#include <memory>

#include "core/text.hpp"
#include "net/address_policy.hpp"

namespace parley::net {

using boost::asio::awaitable;

namespace {

OutboundError error_of(OutboundError::Kind kind, std::string host, std::string message) {
  OutboundError e;
  e.kind = kind;
  e.host = std::move(host);
  e.message = std::move(message);
  return e;
}

// The URL's host without IPv6 brackets, when it is an http(s) URL.
std::optional<std::string> http_host(std::string_view url) {
  const auto u = boost::urls::parse_absolute_uri(url);
  if (!u) return std::nullopt;
  const auto scheme = text::lower(u->scheme());
  if (scheme != "http" && scheme != "https") return std::nullopt;
  std::string host = u->encoded_host().decode();
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return host;
}

std::string describe(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + " seconds";
  return std::to_string(d.count()) + " ms";
}

}  // namespace

std::optional<OutboundError> outbound_refusal(std::string_view url,
                                              const std::vector<std::string>& allowed_hosts) {
  const auto host = http_host(url);
  if (!host) return error_of(OutboundError::Kind::not_http, {}, "not an http(s) URL");
  if (host->empty()) return error_of(OutboundError::Kind::not_http, {}, "the URL has no host");
  if (!allowed_hosts.empty() && !host_is_listed(*host, allowed_hosts)) {
    return error_of(OutboundError::Kind::host_not_listed, *host,
                    "host " + *host + " is not in IMAGE_DOWNLOAD_ALLOWED_HOSTS");
  }
  return std::nullopt;
}

awaitable<boost::system::result<ClientResponse, OutboundError>> OutboundFetcher::fetch(
    OutboundRequest request, CancelSignal* cancel) {
  if (auto refusal = outbound_refusal(request.url, policy_.allowed_hosts)) co_return std::move(*refusal);
  const auto host = *http_host(request.url);
  const bool listed = host_is_listed(host, policy_.allowed_hosts);

  ClientRequest req;
  req.url = std::move(request.url);
  req.headers = std::move(request.headers);
  req.connect_timeout = policy_.timeout;
  req.read_timeout = policy_.timeout;
  req.max_body_bytes = request.max_bytes;
  auto refused_address = std::make_shared<std::string>();
  req.address_allowed = [listed, refused_address](const boost::asio::ip::address& a) {
    if (listed || is_public_address(a)) return true;
    *refused_address = a.to_string();
    return false;
  };

  // The whole download, not only each read, must finish in time: a server trickling a byte at a time never
  // trips the read timeout.
  auto stop = std::make_shared<CancelSignal>();
  auto expired = std::make_shared<bool>(false);
  CancelRegistration on_caller_cancel(cancel, [stop] { stop->cancel(); });
  boost::asio::steady_timer deadline(co_await boost::asio::this_coro::executor);
  deadline.expires_after(policy_.timeout);
  deadline.async_wait([stop, expired](boost::system::error_code ec) {
    if (ec) return;
    *expired = true;
    stop->cancel();
  });
  auto result = co_await http_.fetch(std::move(req), stop.get());
  deadline.cancel();
  if (result) co_return std::move(*result);

  using Kind = OutboundError::Kind;
  if (!refused_address->empty()) {
    auto e = error_of(Kind::private_address, host, result.error().message);
    e.address = *refused_address;
    co_return e;
  }
  if (*expired || result.error().kind == TransportError::Kind::timeout) {
    co_return error_of(Kind::timeout, host, "no complete response within " + describe(policy_.timeout));
  }
  if (result.error().kind == TransportError::Kind::too_large)
    co_return error_of(Kind::too_large, host, result.error().message);
  if (result.error().kind == TransportError::Kind::cancelled)
    co_return error_of(Kind::cancelled, host, "cancelled");
  co_return error_of(Kind::failed, host, result.error().message);
}

}  // namespace parley::net
