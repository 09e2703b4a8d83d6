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

#include "llm/provider_client.hpp"

namespace parley::llm {

// What the upstream answered: the parsed JSON payload, or why there is none.
struct CatalogResult {
  std::shared_ptr<const boost::json::value> payload;  // the upstream top-level object
  std::optional<ProviderError> error;
};

class ModelCatalog {
 public:
  explicit ModelCatalog(ProviderClient& provider);
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
  ProviderClient& provider_;
  std::shared_ptr<State> state_;
};

}  // namespace parley::llm
