// MCP over HTTP: Streamable HTTP (POST with JSON or SSE answers, Mcp-Session-Id, MCP-Protocol-Version, a GET
// stream for server messages resumed with Last-Event-ID, DELETE on close) and, when the first POST is refused
// with 400/404/405, the legacy HTTP+SSE transport (GET event stream, `endpoint` event, POSTs to it).
// Uses net::HttpClient; lives on the aggregator's strand.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/cancel_signal.hpp"
#include "mcp/http_authorizer.hpp"
#include "mcp/transport.hpp"
#include "net/http_client.hpp"
#include "net/sse_parser.hpp"

namespace parley::mcp {

// Resolves the legacy transport's `endpoint` (absolute URL, absolute path or relative path) against `base`.
std::string resolve_endpoint_url(const std::string& base, const std::string& endpoint);

class HttpTransport final : public Transport, public std::enable_shared_from_this<HttpTransport> {
 public:
  HttpTransport(boost::asio::any_io_executor strand, net::HttpClient& http, std::string server_id,
                std::string url, std::map<std::string, std::string> headers,
                std::shared_ptr<HttpAuthorizer> authorizer = nullptr);

  boost::asio::awaitable<Result<void, Failure>> open(TransportEvents events) override;
  boost::asio::awaitable<Result<void, Failure>> send(std::string message) override;
  boost::asio::awaitable<void> close() override;
  [[nodiscard]] std::string kind() const override { return legacy_ ? "sse" : "streamable-http"; }
  void set_protocol_version(std::string version) override { protocol_version_ = std::move(version); }

  // How the body of one streamed response is handled (public for the coroutine helpers in the .cpp).
  struct Exchange {
    int status = 0;
    bool event_stream = false;
    std::string body;
    net::SseParser parser;
    bool delivered_response = false;
    std::string failure;  // why reading stopped early (an oversized event or body); empty otherwise
    std::vector<std::string> challenges;     // WWW-Authenticate fields of a 401 or 403
    std::optional<std::int64_t> request_id;  // parley's request this is the response stream of
  };
  void deliver_text(const std::string& text, Exchange* exchange);
  void report_closed(const std::string& reason);
  void legacy_endpoint_found(const std::string& endpoint);

 private:
  net::ClientRequest base_request(std::string method, const std::string& url) const;
  // Adds the authorizer's Authorization header (none without an authorizer or a token).
  boost::asio::awaitable<void> authorize(net::ClientRequest& request);
  // A 401 or 403: asks the authorizer for a new token. Success: send the request again.
  boost::asio::awaitable<Result<void, Failure>> recover(const Exchange& refused, int attempt);
  boost::asio::awaitable<Result<void, Failure>> post_streamable(std::string message, bool first);
  boost::asio::awaitable<Result<void, Failure>> open_legacy();
  static boost::asio::awaitable<void> post_detached(std::shared_ptr<HttpTransport> self, std::string message);
  static boost::asio::awaitable<void> listen_get_stream(std::shared_ptr<HttpTransport> self,
                                                        std::optional<std::int64_t> resumed_request,
                                                        std::optional<std::string> last_event_id,
                                                        std::chrono::milliseconds delay);
  static boost::asio::awaitable<void> listen_legacy_stream(std::shared_ptr<HttpTransport> self);

  boost::asio::any_io_executor strand_;
  net::HttpClient& http_;
  std::string server_id_;
  std::string url_;
  std::map<std::string, std::string> headers_;
  std::shared_ptr<HttpAuthorizer> authorizer_;
  TransportEvents events_;
  CancelSignal closing_;
  bool closed_ = false;
  bool closed_reported_ = false;
  bool initialized_ = false;  // the first POST succeeded
  bool legacy_ = false;
  bool get_stream_started_ = false;
  std::string session_id_;
  std::string protocol_version_;
  std::string legacy_endpoint_;
  std::string legacy_error_;
  boost::asio::steady_timer endpoint_ready_;
};

}  // namespace parley::mcp
