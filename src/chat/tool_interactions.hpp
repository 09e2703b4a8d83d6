// The two questions a tool call can put to the person in the chat (through TurnInteractions): a server's
// form (elicitation/create during the call, event `elicitation`) and, for a tool set to "ask", the approval
// of the call itself (event `tool_approval`). Clients that cannot answer get a decline or a denial at once.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "chat/turn_interactions.hpp"
#include "mcp/elicitation.hpp"

namespace parley::chat {

// Answers a server's elicitation/create with the person's form in the chat. It lives as long as the session
// holds it, but the sink only as long as the tool call: the turn calls finish() when the call returned, which
// ends open questions and waits until none uses the sink; later requests are declined.
class ChatElicitation final : public mcp::ElicitationHandler {
 public:
  ChatElicitation(TurnInteractions& interactions, net::SseSink& sink, std::string call_id, std::string tool,
                  std::chrono::milliseconds timeout, bool url_mode = false)
      : interactions_(interactions),
        sink_(sink),
        call_id_(std::move(call_id)),
        tool_(std::move(tool)),
        timeout_(timeout),
        url_mode_(url_mode) {}
  // URL mode only for a client that said it can show a link (`elicitation-url`).
  [[nodiscard]] bool supports_url_mode() const override { return url_mode_; }
  boost::asio::awaitable<mcp::ElicitationAnswer> elicit(mcp::ElicitationRequest request,
                                                        CancelSignal* cancel) override;
  boost::asio::awaitable<void> finish();

 private:
  boost::asio::awaitable<mcp::ElicitationAnswer> ask_person(mcp::ElicitationRequest request);
  void leave();

  TurnInteractions& interactions_;
  net::SseSink& sink_;
  std::string call_id_;
  std::string tool_;
  std::chrono::milliseconds timeout_;
  bool url_mode_ = false;
  std::atomic<int> active_{0};
  std::atomic<bool> ended_{false};
  CancelSignal ending_;
  // finish() waits here until the last question left (questions run on the MCP strand, the turn elsewhere).
  std::unique_ptr<boost::asio::experimental::concurrent_channel<void(boost::system::error_code)>> idle_;
};

// An elicitation answer as the browser posts it: {"action":"accept"|"decline"|"cancel","content":{...}},
// checked against the form (defaults applied); an accept that does not fit the form is declined.
// A URL-mode answer as the browser posts it: {"action":"accept"} once the person opened the link, "decline"
// or "cancel"; anything else is a decline.
mcp::ElicitationAnswer url_elicitation_answer_of(const boost::json::object& posted);
// The links a URL-mode elicitation may offer: https, or http to this machine; no credentials in the address.
bool openable_elicitation_url(std::string_view url);
mcp::ElicitationAnswer elicitation_answer_of(const boost::json::object& posted,
                                             const boost::json::object& requested_schema);

// Whether a call of a tool set to "ask" may run: nullopt when the person approved it, else the text the model
// reads as the tool's result.
boost::asio::awaitable<std::optional<std::string>> ask_approval(TurnInteractions& interactions,
                                                                net::SseSink& sink, bool client_can_answer,
                                                                std::string call_id, std::string tool,
                                                                boost::json::object arguments,
                                                                std::chrono::milliseconds timeout);

// The result text of a call that was not approved.
std::string denied_call_text(const std::string& tool, const std::string& why);

}  // namespace parley::chat
