#include "chat/hop_stream.hpp"

#include <boost/json/serialize.hpp>
#include <chrono>
#include <memory>

#include "core/json.hpp"
#include "core/metrics.hpp"
#include "net/sse_parser.hpp"

namespace parley::chat {

namespace bj = boost::json;
using boost::asio::awaitable;

struct HopState {
  int status = 0;
  std::string error_body;
  net::SseParser parser;
  bool done = false;  // upstream [DONE] seen
  bool in_band_error = false;
  bool oversized = false;  // an event passed the parser's size limit: reading stopped
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  bool first_delta_seen = false;  // parley_upstream_first_token_seconds is observed once per hop
};

namespace {

constexpr std::size_t kMaxErrorBody = 1024 * 1024;

// parley_upstream_first_token_seconds, once per hop.
void note_first_delta(HopState& state) {
  if (state.first_delta_seen) return;
  state.first_delta_seen = true;
  static auto& first_token = metrics::global().upstream_first_token();
  first_token.Observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - state.started).count());
}

// The chunk's effect on the hop, once it is in the batch: the accumulator, the first-token metric, an in-band
// error.
void account_chunk(HopState& state, const bj::value& chunk, llm::HopAccumulator& acc) {
  acc.add_chunk(chunk);
  if (!state.first_delta_seen && llm::carries_delta(chunk)) note_first_delta(state);
  if (chunk.is_object()) {
    if (const auto* err = chunk.as_object().if_contains("error"); err && err->is_object()) {
      state.in_band_error = true;
    }
  }
}

// Relays events[from..] into `batch` (the events of one upstream read go to the client together, in one
// write instead of one per event) until one has a generated image to store: its index, with the chunk parsed
// in `image_chunk`; events.size() when the rest is relayed or the hop has ended ([DONE], an in-band error).
// A plain function: most reads are relayed without a coroutine.
std::size_t relay_now(HopState& state, const std::vector<net::SseEvent>& events, std::size_t from,
                      std::string& batch, llm::HopAccumulator& acc, bool with_images,
                      std::optional<bj::value>& image_chunk) {
  for (std::size_t i = from; i < events.size(); ++i) {
    if (state.done || state.in_band_error) break;
    const auto& e = events[i];
    if (e.data.empty()) continue;
    const std::string_view id = e.id ? std::string_view(*e.id) : std::string_view();
    if (e.event != "message") {
      net::append_sse_event(batch, e.event, e.data, id);
      continue;
    }
    if (e.data == "[DONE]") {
      state.done = true;
      break;
    }
    // Most chunks (text, reasoning text, the finish) are read without a DOM and forwarded as they came.
    if (bool delta = false; acc.add_common_chunk(e.data, delta)) {
      net::append_sse_event(batch, "message", e.data, id);
      if (delta) note_first_delta(state);
      continue;
    }
    auto chunk = json::parse(e.data);
    if (!chunk) continue;  // upstream message data that is not JSON is skipped
    if (with_images && !image_fragment_refs(*chunk).empty()) {
      image_chunk = std::move(chunk);
      return i;
    }
    // Forwarded byte for byte, then accounted.
    net::append_sse_event(batch, "message", e.data, id);
    account_chunk(state, *chunk, acc);
  }
  return events.size();
}

// Whether the hop reads on after a relayed read: not after [DONE] or an in-band error, nor when an event
// passed the parser's size limit (`fits` false).
bool reads_on(HopState& state, bool fits) {
  const bool more = !state.in_band_error && !state.done;
  if (more && !fits) {
    state.oversized = true;
    return false;
  }
  return more;
}

// The rest of a read that has to wait: from events[at], a chunk with a generated image (`image_chunk`), which
// is stored and its fragment rewritten, then the events after it; and the batch, sent when the client's
// queue has room.
awaitable<bool> relay_later(std::shared_ptr<HopState> state, std::vector<net::SseEvent> events,
                            std::size_t at, std::optional<bj::value> image_chunk, std::string batch,
                            bool fits, net::SseSink* sink, llm::HopAccumulator* acc, HopImages* images) {
  while (at < events.size()) {
    if (!batch.empty()) {
      // Storing the image may take a while: the events before it go out first.
      auto ready = std::move(batch);
      batch.clear();
      co_await sink->send(std::move(ready));
    }
    auto& chunk = *image_chunk;
    const auto& e = events[at];
    const std::string_view id = e.id ? std::string_view(*e.id) : std::string_view();
    if (co_await images->rewrite_chunk(&chunk, acc->text().size())) {
      net::append_sse_event(batch, "message", parley::json::serialize(chunk), id);
    } else {
      net::append_sse_event(batch, "message", e.data, id);
    }
    account_chunk(*state, chunk, *acc);
    at = relay_now(*state, events, at + 1, batch, *acc, true, image_chunk);
  }
  if (!batch.empty()) co_await sink->send(std::move(batch));
  co_return reads_on(*state, fits);
}

net::DataStep on_body(const std::shared_ptr<HopState>& state, std::string_view data, net::SseSink* sink,
                      llm::HopAccumulator* acc, HopImages* images) {
  if (state->status >= 400) {
    if (state->error_body.size() + data.size() > kMaxErrorBody) return net::DataStep::now(false);
    state->error_body.append(data);
    return net::DataStep::now(true);
  }
  std::vector<net::SseEvent> events;
  const bool fits = state->parser.feed(data, events);
  // The events completed before an oversized one still go out (one of them may end the hop).
  std::string batch;
  std::optional<bj::value> image_chunk;
  const auto at = relay_now(*state, events, 0, batch, *acc, images != nullptr, image_chunk);
  if (at < events.size() || (!batch.empty() && !sink->try_send(batch))) {
    return net::DataStep::after(relay_later(state, std::move(events), at, std::move(image_chunk),
                                            std::move(batch), fits, sink, acc, images));
  }
  return net::DataStep::now(reads_on(*state, fits));
}

using Failure = llm::ProviderError::Kind;
using CallResult = Result<void, llm::ProviderError>;

// How the hop ended when the call's end already decides it: cancelled, refused, or stopped by an oversized
// event. (These and final_outcome are plain functions: their locals would otherwise be in the coroutine frame
// that every open stream keeps, P3.)
bool early_outcome(const HopState& state, const CallResult& result, net::SseSink& sink, HopOutcome& out) {
  out.upstream_status = state.status;
  if (sink.client_gone() || (!result && result.error().kind == Failure::cancelled)) {
    out.kind = HopOutcome::Kind::cancelled;
    return true;
  }
  if (state.status >= 400) {
    out.kind = HopOutcome::Kind::failed;
    out.error = TurnError::upstream_http(state.status, state.error_body);
    out.error_body = state.error_body;
    return true;
  }
  if (state.oversized) {
    metrics::global().upstream_error("event_too_large", state.status);
    // Reading stopped on purpose: not "the upstream closed the stream".
    out.kind = HopOutcome::Kind::failed;
    out.error =
        TurnError::upstream_event_too_large(net::describe_event_limit(state.parser.max_event_bytes()));
    return true;
  }
  return false;
}

// How the hop ended otherwise, once a final event without its blank line has been relayed.
void final_outcome(const HopState& state, const CallResult& result, const llm::HopAccumulator& acc,
                   HopOutcome& out) {
  if (state.in_band_error) {
    metrics::global().upstream_error("in_band", state.status);
    out.kind = HopOutcome::Kind::failed;
    out.error = TurnError::in_band(*acc.error());
    return;
  }
  if (!result && result.error().kind == Failure::not_configured) {
    out.kind = HopOutcome::Kind::failed;
    out.error = TurnError::not_configured();
    return;
  }
  if (!result && state.status == 0) {
    out.kind = HopOutcome::Kind::failed;
    out.error = result.error().kind == Failure::timeout ? TurnError::timeout(result.error().timeout_seconds)
                                                        : TurnError::unreachable(result.error().message);
    return;
  }
  if (state.done || acc.finished()) return;  // complete, even if the connection dropped after the finish
  out.kind = HopOutcome::Kind::failed;
  out.error = (!result && result.error().kind == Failure::timeout)
                  ? TurnError::timeout(result.error().timeout_seconds)
                  : TurnError::disconnected();
}

}  // namespace

// The upstream call with its callbacks: a plain function, so that nothing of it is in a coroutine frame.
HopCall start_hop(llm::ProviderClient& provider, std::string upstream_body, net::SseSink& sink,
                  llm::HopAccumulator& acc, HopImages* images) {
  auto state = std::make_shared<HopState>();
  net::HttpClient::HeadFn on_head = [state, &acc](int status, const net::Headers& headers) {
    state->status = status;
    acc.set_response_headers(headers);
  };
  net::SseSink* sink_ptr = &sink;
  llm::HopAccumulator* acc_ptr = &acc;
  net::HttpClient::DataFn on_data = [state, sink_ptr, acc_ptr, images](std::string_view data) {
    return on_body(state, data, sink_ptr, acc_ptr, images);
  };
  auto call = provider.stream_completion(std::move(upstream_body), std::move(on_head), std::move(on_data),
                                         &sink.cancellation());
  return HopCall{std::move(state), std::move(call)};
}

awaitable<HopOutcome> end_hop(llm::ProviderClient& provider, std::shared_ptr<HopState> state,
                              llm::ProviderClient::CompletionEnd end, net::SseSink& sink,
                              llm::HopAccumulator& acc, HopImages* images) {
  const CallResult result = provider.completion_outcome(end, state->status);
  HopOutcome out;
  if (early_outcome(*state, result, sink, out)) co_return out;
  if (result && !state->done && !state->in_band_error) {
    // A final event without its blank line still counts.
    std::vector<net::SseEvent> tail;
    state->parser.finish(tail);
    std::string batch;
    std::optional<bj::value> image_chunk;
    const auto at = relay_now(*state, tail, 0, batch, acc, images != nullptr, image_chunk);
    co_await relay_later(state, std::move(tail), at, std::move(image_chunk), std::move(batch), true, &sink,
                         &acc, images);
  }
  final_outcome(*state, result, acc, out);
  co_return out;
}

}  // namespace parley::chat
