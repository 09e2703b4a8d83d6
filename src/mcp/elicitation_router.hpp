// Routes a server's elicitation/create to whoever made the tool call it belongs to, when the transport cannot
// say: a question on a call's own Streamable HTTP response stream goes straight to that call's asker (the
// session asks the peer), while stdio and the standalone GET stream carry no trace of the call. For those,
// the chat turn that called a tool on that server registers its handler for the length of the call, and when
// several calls on one server are in flight the most recent one is asked. Nobody registered: declined, like a
// client without the capability. Strand-only, like the sessions that call it.
#pragma once

#include <list>
#include <memory>
#include <string>

#include "mcp/elicitation.hpp"

namespace parley::mcp {

class ElicitationRouter final : public ElicitationHandler {
 public:
  class Registration {
   public:
    Registration() = default;
    Registration(ElicitationRouter* router,
                 std::list<std::pair<std::string, std::shared_ptr<ElicitationHandler>>>::iterator it)
        : router_(router), it_(it) {}
    Registration(Registration&& other) noexcept : router_(other.router_), it_(other.it_) {
      other.router_ = nullptr;
    }
    Registration(const Registration&) = delete;
    Registration& operator=(const Registration&) = delete;
    Registration& operator=(Registration&&) = delete;
    ~Registration() {
      if (router_) router_->routes_.erase(it_);
    }

   private:
    ElicitationRouter* router_ = nullptr;
    std::list<std::pair<std::string, std::shared_ptr<ElicitationHandler>>>::iterator it_;
  };

  // While the registration lives, elicitations of `server_id` go to `handler` (null: nothing registered).
  Registration route(std::string server_id, std::shared_ptr<ElicitationHandler> handler);
  // Declared to every server: a URL-mode request reaches a turn whose client can show links; any other
  // turn declines it.
  [[nodiscard]] bool supports_url_mode() const override { return true; }
  boost::asio::awaitable<ElicitationAnswer> elicit(ElicitationRequest request, CancelSignal* cancel) override;

 private:
  std::list<std::pair<std::string, std::shared_ptr<ElicitationHandler>>> routes_;
};

}  // namespace parley::mcp
