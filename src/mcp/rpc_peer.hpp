// The JSON-RPC 2.0 client side of one MCP connection: request ids, per-request timeouts, responses in any
// order, notifications/cancelled on timeout or cancel, answering the server's ping, progress and logging
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
#include <string>

#include "core/cancel_signal.hpp"
#include "mcp/json_rpc.hpp"
#include "mcp/outcome.hpp"
#include "mcp/transport.hpp"

namespace parley::mcp {

class RpcPeer : public std::enable_shared_from_this<RpcPeer> {
 public:
  // Notifications other than progress, logging and cancelled (which the peer handles itself).
  using NotificationFn = std::function<void(const std::string& method, const boost::json::object& params)>;
  using ProgressFn = std::function<void(const boost::json::object& params)>;

  RpcPeer(boost::asio::any_io_executor strand, std::shared_ptr<Transport> transport, std::string server_id);

  void on_notification(NotificationFn fn) { on_notification_ = std::move(fn); }

  // Sends a request and waits for its answer, the timeout, `cancel`, or the loss of the connection. An error
  // answer is a failure carrying the server's code and message.
  boost::asio::awaitable<Outcome<boost::json::value>> request(std::string method, boost::json::object params,
                                                              std::chrono::milliseconds timeout,
                                                              CancelSignal* cancel = nullptr,
                                                              ProgressFn on_progress = {});
  boost::asio::awaitable<Outcome<Done>> notify(std::string method, boost::json::object params);

  // Feeds one message from the transport (a batch is split here).
  void receive(const boost::json::value& message);
  // Fails every pending request (connection lost).
  void fail_all(const std::string& reason);
  [[nodiscard]] std::size_t pending_count() const { return pending_.size(); }
  // Messages received that were not JSON-RPC (counted for tests and logs).
  [[nodiscard]] std::size_t invalid_count() const { return invalid_count_; }

 private:
  struct Pending {
    explicit Pending(boost::asio::any_io_executor ex) : wake(std::move(ex)) {}
    boost::asio::steady_timer wake;
    bool answered = false;
    bool cancelled = false;
    std::string failure;  // set when the connection was lost
    boost::json::value result;
    std::optional<boost::json::object> error;
    ProgressFn on_progress;
  };
  void answer_server_request(const rpc::Incoming& in);
  void handle_notification(const rpc::Incoming& in);
  // Sends without waiting (answers, cancellations).
  void send_detached(std::string message);

  boost::asio::any_io_executor strand_;
  std::shared_ptr<Transport> transport_;
  std::string server_id_;
  std::int64_t next_id_ = 1;
  std::map<std::int64_t, std::shared_ptr<Pending>> pending_;
  NotificationFn on_notification_;
  std::size_t invalid_count_ = 0;
};

}  // namespace parley::mcp
