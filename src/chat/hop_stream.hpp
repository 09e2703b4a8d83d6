// One hop of a turn: the streaming upstream call, relaying its events to the browser byte for byte
// (api.md §3.4) while the accumulator collects what gets stored, and classifying how it ended (§3.7, §3.8).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <memory>
#include <optional>

#include "chat/hop_images.hpp"
#include "chat/turn_error.hpp"
#include "llm/hop_accumulator.hpp"
#include "llm/provider_client.hpp"
#include "net/http_types.hpp"

namespace parley::chat {

struct HopOutcome {
  enum class Kind { completed, failed, cancelled } kind = Kind::completed;
  std::optional<TurnError> error;  // failed
  int upstream_status = 0;
  std::string error_body;  // for a refused hop (status >= 400), to check the "tools unsupported" case
};

// The state of one hop's upstream call (what the relay has seen), shared by its callbacks.
struct HopState;

struct HopCall {
  std::shared_ptr<HopState> state;
  boost::asio::awaitable<llm::ProviderClient::CompletionEnd> call;
};

// A hop in two steps, so that no coroutine frame of its own stays suspended for the length of the stream
// (P3): start_hop sets up the streaming upstream call (a plain function) and the caller awaits `call`; then
// end_hop relays a final event without its blank line and classifies how the hop ended.
// `images` (may be null): generated images in the chunks are stored and their fragments rewritten in the
// forwarded chunk, which is then the only kind of chunk that is re-serialized.
// `upstream_body`: the serialized chat-completions request (see build_upstream_body).
// The sink's cancellation cancels the upstream call.
HopCall start_hop(llm::ProviderClient& provider, std::string upstream_body, net::SseSink& sink,
                  llm::HopAccumulator& acc, HopImages* images = nullptr);
boost::asio::awaitable<HopOutcome> end_hop(llm::ProviderClient& provider, std::shared_ptr<HopState> state,
                                           llm::ProviderClient::CompletionEnd end, net::SseSink& sink,
                                           llm::HopAccumulator& acc, HopImages* images = nullptr);

}  // namespace parley::chat
