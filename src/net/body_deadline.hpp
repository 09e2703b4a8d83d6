// The overall deadline of a request body: a client that trickles its body (a byte every few seconds never
// trips the idle timeout between reads) is stopped when the whole body has not arrived in time.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>

namespace parley::net {

// Armed while a body is read. When it passes, the read in progress is cancelled but the socket stays open,
// so that a 408 can still be written; `passed()` then tells a cancelled read from a failed one.
template <class Socket>
class BodyDeadline {
 public:
  BodyDeadline(Socket& socket, std::chrono::milliseconds limit)
      : state_(std::make_shared<State>()), timer_(socket.get_executor()) {
    state_->socket = &socket;
    timer_.expires_after(limit);
    // The state outlives this object: a completion already queued when it goes finds `socket` reset.
    timer_.async_wait([state = state_](boost::system::error_code ec) {
      if (ec || !state->socket) return;
      state->passed = true;
      boost::system::error_code ignored;
      state->socket->cancel(ignored);
    });
  }
  ~BodyDeadline() { state_->socket = nullptr; }
  BodyDeadline(const BodyDeadline&) = delete;
  BodyDeadline& operator=(const BodyDeadline&) = delete;

  [[nodiscard]] bool passed() const { return state_->passed; }

 private:
  struct State {
    Socket* socket = nullptr;
    bool passed = false;
  };
  std::shared_ptr<State> state_;
  boost::asio::steady_timer timer_;
};

}  // namespace parley::net
