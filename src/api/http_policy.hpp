// parley's request rules around every route: request ids, proxy headers, the Host check against DNS
// rebinding, authentication, CORS (api.md §0.5, §0.7), and one log line per request.
#pragma once

#include "api/context.hpp"
#include "net/http_server.hpp"

namespace parley::api {

class HttpPolicy final : public net::RequestPolicy {
 public:
  explicit HttpPolicy(ApiContext& ctx) : ctx_(ctx) {}
  void set_bound_address(std::string host, std::uint16_t port) {
    bound_host_ = std::move(host);
    bound_port_ = port;
  }

  boost::asio::awaitable<std::optional<net::Response>> before(net::Request& req,
                                                              const net::RouteMatch& match) override;
  void after(const net::Request& req, net::Response& res) override;
  void completed(const net::Request& req, int status, std::chrono::steady_clock::duration elapsed) override;
  // The headers are logged with the completion at debug level only.
  [[nodiscard]] bool reads_headers_when_completed() const override;
  void failed(const net::Request& req, const std::exception& e) override;
  void client_left(const net::Request& req) override;
  void filter_sse_frame(std::string& frame) override;

  [[nodiscard]] bool host_allowed(std::string_view host_header) const;
  [[nodiscard]] const std::string* allowed_origin(std::string_view origin) const;
  // The request's Origin is this server (as addressed, or PARLEY_PUBLIC_URL) or an allowed CORS origin; a
  // request without Origin passes unless Sec-Fetch-Site says cross-site.
  [[nodiscard]] bool same_origin_or_allowed(const net::Request& req) const;

 private:
  ApiContext& ctx_;
  std::string bound_host_;
  std::uint16_t bound_port_ = 0;
};

}  // namespace parley::api
