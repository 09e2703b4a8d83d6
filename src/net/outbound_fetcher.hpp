// Every URL fetched on a user's or a model's behalf (generated images, documents a tool names, and the Google
// and OAuth clients to come) goes through here, under the address policy of api.md §3.3 and §6.2.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/cancel_signal.hpp"
#include "net/http_client.hpp"

namespace parley::net {

// http(s) only; with `allowed_hosts`, only those hosts. A listed host may live anywhere (it was named on
// purpose); any other host only on public addresses, checked on the addresses actually connected to (no
// second lookup a rebinding DNS could answer differently). Redirects are not followed: each hop would need
// the check.
struct OutboundPolicy {
  std::vector<std::string> allowed_hosts;  // IMAGE_DOWNLOAD_ALLOWED_HOSTS
  std::chrono::milliseconds timeout{
      30000};  // the whole download: connect, every read, and all of it together
};

struct OutboundRequest {
  std::string url;
  Headers headers;
  std::size_t max_bytes = 0;
};

struct OutboundError {
  enum class Kind {
    not_http,         // not an http(s) URL, or one without a host
    host_not_listed,  // allowed_hosts is set and does not name the host
    private_address,  // the host resolves to an address that is not public (`address`)
    timeout,          // no complete response within the policy's timeout
    too_large,        // the body passed max_bytes
    cancelled,        // the caller's cancel signal fired
    failed,           // the transport failed (`message`)
  } kind = Kind::failed;
  std::string host;     // the URL's host, when it has one
  std::string address;  // private_address: the refused address
  std::string message;  // readable, e.g. "connection refused"
};

// Why `url` is refused before anything is resolved; nullopt when it may be fetched.
std::optional<OutboundError> outbound_refusal(std::string_view url,
                                              const std::vector<std::string>& allowed_hosts);

class OutboundFetcher {
 public:
  OutboundFetcher(HttpClient& http, OutboundPolicy policy) : http_(http), policy_(std::move(policy)) {}

  // The response, whatever its status (callers decide what they accept), or why there is none.
  boost::asio::awaitable<boost::system::result<ClientResponse, OutboundError>> fetch(
      OutboundRequest request, CancelSignal* cancel = nullptr);
  [[nodiscard]] const OutboundPolicy& policy() const { return policy_; }

 private:
  HttpClient& http_;
  OutboundPolicy policy_;
};

}  // namespace parley::net
