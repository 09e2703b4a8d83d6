// The JSON-RPC 2.0 client side of one MCP connection: request ids, per-request timeouts (a progress
// notification extends them, up to a cap), responses in any order, notifications/cancelled on timeout or
// cancel, answering the server's ping and handing its other requests to the session, progress and logging
// notifications.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/cancel_signal.hpp"
#include "mcp/elicitation.hpp"
#include "mcp/failure.hpp"
#include "mcp/json_rpc.hpp"
#include "mcp/transport.hpp"

namespace parley::mcp {

// Answers the requests a server sends besides ping (elicitation/create, ...); the session implements it.
class ServerRequests {
 public:
  struct Answer {
    std::optional<boost::json::value> result;  // set: a result; else an error with code and message
    std::int64_t code = 0;
    std::string message;
  };
  virtual ~ServerRequests() = default;
  // False: the peer answers "method not found".
  [[nodiscard]] virtual bool handles(const std::string& method) const = 0;
  // `related_request`: the id of parley's request whose response stream carried this one, when known.
  virtual boost::asio::awaitable<Answer> answer(std::string method, boost::json::object params,
                                                std::optional<std::int64_t> related_request) = 0;
};

class RpcPeer : public std::enable_shared_from_this<RpcPeer> {
 public:
  // Notifications other than progress, logging and cancelled (which the peer handles itself).
  using NotificationFn = std::function<void(const std::string& method, const boost::json::object& params)>;
  using ProgressFn = std::function<void(const boost::json::object& params)>;

  RpcPeer(boost::asio::any_io_executor strand, std::shared_ptr<Transport> transport, std::string server_id);

  void on_notification(NotificationFn fn) { on_notification_ = std::move(fn); }
  void serve_requests(std::weak_ptr<ServerRequests> handler) { server_requests_ = std::move(handler); }

  // A request whose server reports progress waits at most this many times its timeout in all.
  static constexpr int kProgressTimeoutCap = 10;

  // Sends a request and waits for its answer, the timeout, `cancel`, or the loss of the connection. An error
  // answer is a failure carrying the server's code and message. With `on_progress` the request carries a
  // progress token, and each progress notification restarts its timeout (MCP: the server is still working),
  // never past kProgressTimeoutCap times the timeout after it was sent.
  boost::asio::awaitable<Result<boost::json::value, Failure>> request(
      std::string method, boost::json::object params, std::chrono::milliseconds timeout,
      CancelSignal* cancel = nullptr, ProgressFn on_progress = {},
      std::shared_ptr<ElicitationHandler> asker = nullptr);
  // Who asked for a request still in flight (the `asker` given to request()), so the server's questions
  // during it reach the turn that made it: nullopt when no such request is in flight (it was answered, or
  // never made), a null pointer when it is but was made without an asker.
  [[nodiscard]] std::optional<std::shared_ptr<ElicitationHandler>> asker_of(std::int64_t id) const;
  boost::asio::awaitable<Result<void, Failure>> notify(std::string method, boost::json::object params);

  // Feeds one message from the transport (a batch is split here).
  void receive(const boost::json::value& message, std::optional<std::int64_t> related_request = std::nullopt);
  // Fails every pending request (connection lost).
  void fail_all(const std::string& reason);
  // Fails one pending request (it could not be sent); unknown ids are ignored.
  void fail_request(std::int64_t id, const Failure& failure);
  [[nodiscard]] std::size_t pending_count() const { return pending_.size(); }
  // Messages received that were not JSON-RPC (counted for tests and logs).
  [[nodiscard]] std::size_t invalid_count() const { return invalid_count_; }

 private:
  struct Pending {
    explicit Pending(boost::asio::any_io_executor ex) : wake(std::move(ex)) {}
    boost::asio::steady_timer wake;
    bool answered = false;
    bool cancelled = false;
    std::string failure;  // set when the connection was lost or the request could not be sent
    Failure::Kind failure_kind = Failure::Kind::failed;
    boost::json::value result;
    std::optional<boost::json::object> error;
    ProgressFn on_progress;
    std::shared_ptr<ElicitationHandler> asker;
    std::chrono::milliseconds timeout{0};
    std::chrono::steady_clock::time_point hard_deadline;
  };
  void answer_server_request(const rpc::Incoming& in, std::optional<std::int64_t> related_request);
  static boost::asio::awaitable<void> answer_with(std::shared_ptr<RpcPeer> self,
                                                  std::shared_ptr<ServerRequests> handler,
                                                  boost::json::value id, std::string method,
                                                  boost::json::object params,
                                                  std::optional<std::int64_t> related_request);
  void handle_notification(const rpc::Incoming& in);
  // Sends without waiting (answers, cancellations).
  void send_detached(std::string message);

  boost::asio::any_io_executor strand_;
  std::shared_ptr<Transport> transport_;
  std::string server_id_;
  std::int64_t next_id_ = 1;
  std::map<std::int64_t, std::shared_ptr<Pending>> pending_;
  NotificationFn on_notification_;
  std::weak_ptr<ServerRequests> server_requests_;
  std::size_t invalid_count_ = 0;
};

}  // namespace parley::mcp
