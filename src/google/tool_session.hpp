// The Google side of a built-in server process (`parley mcp-server calendar|gmail|gdrive`): one I/O thread
// running the HTTP client, the authorization and the API client, and the synchronous calls the tools make
// from the stdio server's worker threads.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <thread>

#include "google/api_client.hpp"
#include "google/google_auth.hpp"
#include "google/google_tools.hpp"
#include "net/http_client.hpp"

namespace parley::google {

class ToolSession {
 public:
  ToolSession(GoogleAuthSettings auth_settings, ApiSettings api_settings, std::unique_ptr<TokenStore> tokens);
  ~ToolSession();
  ToolSession(const ToolSession&) = delete;
  ToolSession& operator=(const ToolSession&) = delete;

  // call, status and auth_url of a backend (the rest is filled by the caller).
  GoogleToolBackend backend();
  net::HttpClient& http() { return http_; }
  boost::asio::io_context& io() { return ioc_; }

 private:
  boost::asio::io_context ioc_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  net::HttpClient http_;
  std::unique_ptr<TokenStore> tokens_;
  GoogleAuth auth_;
  GoogleApi api_;
  std::thread runner_;
};

}  // namespace parley::google
