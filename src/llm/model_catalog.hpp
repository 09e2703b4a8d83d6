// The upstream model list (GET {base}/models), cached in process for 60 seconds and shared by /api/models,
// /api/models/metadata, the supports_tools lookup of model settings and tool gating in chat (api.md §2.8,
// §3.3). Concurrent misses share one upstream request.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/config.hpp"
#include "core/error.hpp"
#include "net/http_client.hpp"

namespace parley::llm {

// What the upstream answered: the parsed JSON payload, or an error shaped for the proxy routes (§2.7).
struct CatalogResult {
  std::shared_ptr<const boost::json::value> payload;  // the upstream top-level object
  std::optional<ApiError> error;
};

class ModelCatalog {
 public:
  ModelCatalog(const Config& config, net::HttpClient& client);
  ~ModelCatalog();

  boost::asio::awaitable<CatalogResult> models();
  // The upstream entry of a model from the cached list; nullopt when the list or the model is missing.
  boost::asio::awaitable<std::optional<boost::json::object>> find_model(std::string model_id);
  // The tool capability of a model from the cached list (§3.3 step 6); nullopt when unknown or not cached.
  boost::asio::awaitable<std::optional<bool>> tool_capability(std::string model_id);
  // Forget the cached list (tests, settings replaced).
  void invalidate();

  struct State;

 private:
  const Config& config_;
  net::HttpClient& client_;
  std::shared_ptr<State> state_;
};

// The {"detail": D} rule shared by the proxy routes: the body's truthy `error` member, else the JSON body,
// else the text, else a fixed sentence.
boost::json::value upstream_error_detail(const std::string& body);

}  // namespace parley::llm
