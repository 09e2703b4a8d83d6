// PARLEY_TLS_REDIRECT_PORT: a plain-HTTP listener whose every request is answered with a 308 to the same
// host, path and query on the HTTPS port. The Host is checked like the main server checks it (HttpPolicy:
// without authentication only this server's own names), and the certificate's names are accepted too.
#pragma once

#include <cstdint>
#include <memory>

#include "api/context.hpp"
#include "api/http_policy.hpp"
#include "net/tls_certificates.hpp"

namespace parley::api {

class HttpsRedirectPolicy final : public net::RequestPolicy {
 public:
  HttpsRedirectPolicy(ApiContext& ctx, const HttpPolicy& main, std::shared_ptr<net::TlsCertificates> tls,
                      std::uint16_t https_port)
      : ctx_(ctx), main_(main), tls_(std::move(tls)), https_port_(https_port) {}

  boost::asio::awaitable<std::optional<net::Response>> before(net::Request& req,
                                                              const net::RouteMatch& match) override;
  void after(const net::Request& req, net::Response& res) override;
  void completed(const net::Request& req, int status, std::chrono::steady_clock::duration elapsed) override;
  void failed(const net::Request& req, const std::exception& e) override;
  void client_left(const net::Request&) override {}

  // The Location for a request to `host_header` (the client's Host) with `path_and_query`, or empty when the
  // Host is missing or not a host name or address.
  [[nodiscard]] std::string location(std::string_view host_header, std::string_view path_and_query) const;

 private:
  ApiContext& ctx_;
  const HttpPolicy& main_;
  std::shared_ptr<net::TlsCertificates> tls_;
  std::uint16_t https_port_;
};

}  // namespace parley::api
