#include "chat/tool_interactions.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/url/parse.hpp>

#include "core/config.hpp"
#include "core/log.hpp"

namespace parley::chat {

namespace asio = boost::asio;
namespace bj = boost::json;

mcp::ElicitationAnswer elicitation_answer_of(const bj::object& posted, const bj::object& requested_schema) {
  mcp::ElicitationAnswer answer;
  const auto* action = posted.if_contains("action");
  const std::string_view a =
      action != nullptr && action->is_string() ? std::string_view(action->get_string()) : "";
  if (a == "cancel") {
    answer.action = mcp::ElicitationAction::cancel;
    return answer;
  }
  if (a != "accept") return answer;  // decline, or anything else
  bj::object content;
  if (const auto* c = posted.if_contains("content"); c != nullptr && c->is_object())
    content = c->get_object();
  content = mcp::with_schema_defaults(requested_schema, std::move(content));
  if (auto problems = mcp::check_elicitation_content(requested_schema, content); !problems.empty()) {
    log::info("an elicitation answer did not fit the form ({}); declined", problems.front());
    return answer;
  }
  answer.action = mcp::ElicitationAction::accept;
  answer.content = std::move(content);
  return answer;
}

void ChatElicitation::leave() {
  if (--active_ == 0 && ended_) (void)idle_->try_send(boost::system::error_code{});
}

asio::awaitable<mcp::ElicitationAnswer> ChatElicitation::elicit(mcp::ElicitationRequest request,
                                                                CancelSignal* /*cancel*/) {
  ++active_;
  if (ended_) {  // the call is over: its turn can no longer show a question
    leave();
    co_return mcp::ElicitationAnswer{};
  }
  auto answer = co_await ask_person(std::move(request));
  leave();
  co_return answer;
}

asio::awaitable<void> ChatElicitation::finish() {
  if (!idle_)
    idle_ = std::make_unique<asio::experimental::concurrent_channel<void(boost::system::error_code)>>(
        co_await asio::this_coro::executor, 1);
  ended_ = true;
  ending_.cancel();
  if (active_ == 0) co_return;
  (void)co_await idle_->async_receive(asio::as_tuple(asio::use_awaitable));
}

bool openable_elicitation_url(std::string_view url) {
  const auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed || !parsed->has_authority() || parsed->host().empty() || parsed->has_userinfo()) return false;
  if (parsed->scheme_id() == boost::urls::scheme::https) return true;
  // Plain http only to this machine (a local server's own page); never a link that could be intercepted.
  return parsed->scheme_id() == boost::urls::scheme::http && is_loopback_host(std::string(parsed->host()));
}

asio::awaitable<mcp::ElicitationAnswer> ChatElicitation::ask_person(mcp::ElicitationRequest request) {
  bj::object payload{
      {"call_id", call_id_}, {"name", tool_}, {"server", request.server_id}, {"message", request.message}};
  if (request.mode == "url") {
    // MCP 2025-11-25, URL mode: the person is shown the full address and decides whether to open it; parley
    // never opens it by itself, and declines an address that is not https (or http to this machine).
    if (!url_mode_ || !openable_elicitation_url(request.url)) {
      log::info("MCP server {} asked to open a link this chat cannot show or will not offer; declined",
                request.server_id);
      co_return mcp::ElicitationAnswer{};
    }
    payload["mode"] = "url";
    payload["url"] = request.url;
    payload["elicitation_id"] = request.elicitation_id;
  } else {
    payload["mode"] = "form";
    payload["requested_schema"] = request.requested_schema;
  }
  const auto schema = request.requested_schema;
  auto posted = co_await interactions_.ask(sink_, "elicitation", std::move(payload), timeout_, &ending_);
  if (!posted) {
    // Nobody answered in time: the server is told the person did not answer.
    mcp::ElicitationAnswer cancelled;
    cancelled.action = mcp::ElicitationAction::cancel;
    co_return cancelled;
  }
  if (request.mode == "url") co_return url_elicitation_answer_of(*posted);
  co_return elicitation_answer_of(*posted, schema);
}

mcp::ElicitationAnswer url_elicitation_answer_of(const bj::object& posted) {
  mcp::ElicitationAnswer answer;
  const auto* action = posted.if_contains("action");
  const std::string_view a =
      action != nullptr && action->is_string() ? std::string_view(action->get_string()) : "";
  if (a == "accept") answer.action = mcp::ElicitationAction::accept;  // the person opened the link
  if (a == "cancel") answer.action = mcp::ElicitationAction::cancel;
  return answer;  // no content in URL mode
}

std::string denied_call_text(const std::string& tool, const std::string& why) {
  return "Tool error: the user did not allow this call of " + tool + " (" + why +
         "). Do not call it again "
         "unless the user asks for it.";
}

asio::awaitable<std::optional<std::string>> ask_approval(TurnInteractions& interactions, net::SseSink& sink,
                                                         bool client_can_answer, std::string call_id,
                                                         std::string tool, bj::object arguments,
                                                         std::chrono::milliseconds timeout) {
  if (!client_can_answer) co_return denied_call_text(tool, "it needs approval and this client cannot ask");
  bj::object payload{{"call_id", call_id}, {"name", tool}, {"arguments", std::move(arguments)}};
  auto posted = co_await interactions.ask(sink, "tool_approval", std::move(payload), timeout);
  if (!posted) co_return denied_call_text(tool, "no answer in time");
  const auto* approved = posted->if_contains("approved");
  if (approved != nullptr && approved->is_bool() && approved->get_bool()) co_return std::nullopt;
  co_return denied_call_text(tool, "denied");
}

}  // namespace parley::chat
