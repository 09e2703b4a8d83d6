// The ProviderClient of OpenRouter's API (also any OpenAI-compatible endpoint at OPENROUTER_BASE_URL): its
// URLs, auth and attribution headers, timeouts, and the classification of failed calls.
#pragma once

#include "core/config.hpp"
#include "llm/provider_client.hpp"

namespace parley::llm {

class OpenRouterClient final : public ProviderClient {
 public:
  OpenRouterClient(const Config& config, net::HttpClient& http);

  [[nodiscard]] bool configured() const override;
  boost::asio::awaitable<CompletionEnd> stream_completion(std::string body, net::HttpClient::HeadFn on_head,
                                                          net::HttpClient::DataFn on_data,
                                                          CancelSignal* cancel) override;
  Result<void, ProviderError> completion_outcome(const CompletionEnd& end, int status) override;
  boost::asio::awaitable<Result<boost::json::value, ProviderError>> models() override;
  boost::asio::awaitable<Result<boost::json::array, ProviderError>> providers() override;
  boost::asio::awaitable<Result<boost::json::array, ProviderError>> model_endpoints(
      std::string model_id) override;
  boost::asio::awaitable<Result<std::string, ProviderError>> generation(std::string generation_id) override;

  // Opens a connection ahead of the first completion (a warm connection makes the first token come faster).
  void prewarm();

 private:
  // A GET of {base}{path} answered with a body (any status); `timeout` bounds each read.
  boost::asio::awaitable<Result<net::ClientResponse, ProviderError>> get(std::string path,
                                                                         std::chrono::seconds timeout);
  [[nodiscard]] ProviderError transport_error(const net::TransportError& error,
                                              std::chrono::seconds timeout) const;

  const Config& config_;
  net::HttpClient& http_;
};

}  // namespace parley::llm
