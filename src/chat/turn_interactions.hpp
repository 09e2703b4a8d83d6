// Questions a chat turn puts to the person in the browser while it runs: a server's request for input
// (elicitation) and the approval of a tool call. The turn sends an SSE event with a fresh id and waits; the
// answer arrives on POST /api/chat/interactions/{id} (from any connection); the wait ends at the answer, the
// deadline (the tool timeout) or the turn's cancellation, whichever comes first, so nobody who never answers
// can hold a turn.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/cancel_signal.hpp"
#include "net/http_types.hpp"

namespace parley::chat {

// What a client declared it can answer (the request header `Parley-Interactions: elicitation,
// elicitation-url, tool-approval`). Clients that do not send it get declines and denials instead of
// questions.
struct InteractionSupport {
  bool elicitation = false;
  bool elicitation_url = false;  // can show a URL-mode elicitation (a link to open out of band)
  bool tool_approval = false;
  static InteractionSupport from_header(std::string_view header);
};

class TurnInteractions {
 public:
  struct Waiter;
  // Sends `event` with `payload` plus {"id": <new id>, "status": "open"}, then waits. nullopt: no answer in
  // time, or the turn or `also_cancel` was cancelled. Ends with the same event {"id", "status": "closed",
  // "outcome"}. The sink must outlive the call.
  boost::asio::awaitable<std::optional<boost::json::object>> ask(net::SseSink& sink, std::string event,
                                                                 boost::json::object payload,
                                                                 std::chrono::milliseconds timeout,
                                                                 CancelSignal* also_cancel = nullptr);
  // Delivers an answer; false when no question with that id is waiting (unknown, answered or expired).
  bool answer(const std::string& id, boost::json::object answer);
  [[nodiscard]] std::size_t waiting() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Waiter>> waiting_;
};

}  // namespace parley::chat
