// The one door to the model provider (OpenRouter or another OpenAI-compatible endpoint): completions with
// cancellation, models, providers, endpoints, generation. An interface, so the chat turn runs on a fake in
// tests.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <string>

#include "core/cancel_signal.hpp"
#include "core/error.hpp"
#include "net/http_client.hpp"

namespace parley::llm {

// Why a call to the provider gave no usable answer, classified once here; callers shape it for their contract
// (an in-stream error of §3.7, a proxied status of §2.7–§2.8, an empty list of §2.12).
struct ProviderError {
  enum class Kind {
    not_configured,  // no API key: nothing was sent
    cancelled,       // the caller's cancel signal fired
    unreachable,     // no connection, a TLS failure, or no readable response head
    timeout,         // nothing arrived within the connect or read timeout
    disconnected,    // the connection closed before the response ended
    http_status,     // the provider answered, with a status it does not answer successfully with
    malformed,       // the provider answered 2xx with something that is not the JSON expected
  } kind = Kind::unreachable;
  std::string message;      // readable, e.g. "connection refused"
  int status = 0;           // http_status: the provider's status
  std::string body;         // http_status: the provider's body, for the error detail
  int timeout_seconds = 0;  // timeout: the limit that passed
};

class ProviderClient {
 public:
  virtual ~ProviderClient() = default;

  // False without an API key: completions are refused and chat contacts nothing upstream (§3.7).
  [[nodiscard]] virtual bool configured() const = 0;

  // POST /chat/completions with `body` (serialized, stream: true). `on_head` runs once with the status and
  // headers, then `on_data` with each piece of the body as it arrives, unparsed and uncopied (false stops
  // reading and closes the connection). Ends with the status when the body ended or `on_data` stopped it (a
  // status >= 400 is not an error here: its body reaches `on_data`), else with what failed in transport.
  // `cancel` closes the connection at once. The caller then asks completion_outcome what the end means: the
  // call itself need not be a coroutine that stays suspended for the length of the stream (P3).
  using CompletionEnd = Result<int, net::TransportError>;
  virtual boost::asio::awaitable<CompletionEnd> stream_completion(std::string body,
                                                                  net::HttpClient::HeadFn on_head,
                                                                  net::HttpClient::DataFn on_data,
                                                                  CancelSignal* cancel) = 0;
  // How a completion ended, classified (not_configured without a key, cancelled, timeout, ...) and counted in
  // the metrics once; `status` is the one on_head reported (0 when no head came).
  virtual Result<void, ProviderError> completion_outcome(const CompletionEnd& end, int status) = 0;

  // GET /models: the top-level JSON object (§2.8). The key is sent when there is one (the list is public).
  virtual boost::asio::awaitable<Result<boost::json::value, ProviderError>> models() = 0;
  // GET /providers: the `data` array (§2.12).
  virtual boost::asio::awaitable<Result<boost::json::array, ProviderError>> providers() = 0;
  // GET /models/{author}/{slug}/endpoints: the `data.endpoints` array of a model id "author/slug" (§2.12).
  virtual boost::asio::awaitable<Result<boost::json::array, ProviderError>> model_endpoints(
      std::string model_id) = 0;
  // GET /generation?id=: the body, unchanged (§2.7). Needs the key.
  virtual boost::asio::awaitable<Result<std::string, ProviderError>> generation(
      std::string generation_id) = 0;
};

// The {"detail": D} of a refused proxy call (§2.7): the body's truthy `error` member, else the JSON body,
// else the text, else a fixed sentence.
boost::json::value upstream_error_detail(const std::string& body);

}  // namespace parley::llm
