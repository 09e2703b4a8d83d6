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
#include "mcp/transport.hpp"
#include "net/http_client.hpp"
#include "net/sse_parser.hpp"

namespace parley::mcp {

// Resolves the legacy transport's `endpoint` (absolute URL, absolute path or relative path) against `base`.
std::string resolve_endpoint_url(const std::string& base, const std::string& endpoint);

class HttpTransport final : public Transport, public std::enable_shared_from_this<HttpTransport> {
 public:
  HttpTransport(boost::asio::any_io_executor strand, net::HttpClient& http, std::string server_id,
                std::string url, std::map<std::string, std::string> headers);

  boost::asio::awaitable<Outcome<Done>> open(TransportEvents events) override;
  boost::asio::awaitable<Outcome<Done>> send(std::string message) override;
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
  };
  void deliver_text(const std::string& text, Exchange* exchange);
  void report_closed(const std::string& reason);
  void legacy_endpoint_found(const std::string& endpoint);

 private:
  net::ClientRequest base_request(std::string method, const std::string& url) const;
  boost::asio::awaitable<Outcome<Done>> post_streamable(std::string message, bool first);
  boost::asio::awaitable<Outcome<Done>> open_legacy();
  static boost::asio::awaitable<void> post_detached(std::shared_ptr<HttpTransport> self, std::string message);
  static boost::asio::awaitable<void> listen_get_stream(std::shared_ptr<HttpTransport> self,
                                                        std::optional<std::string> last_event_id);
  static boost::asio::awaitable<void> listen_legacy_stream(std::shared_ptr<HttpTransport> self);

  boost::asio::any_io_executor strand_;
  net::HttpClient& http_;
  std::string server_id_;
  std::string url_;
  std::map<std::string, std::string> headers_;
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
