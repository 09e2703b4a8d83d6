// MCP over a child's stdin/stdout: newline-delimited JSON-RPC; stderr goes to parley's log line by line.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <string>

#include "mcp/child_process.hpp"
#include "mcp/transport.hpp"

namespace parley::mcp {

class StdioTransport final : public Transport, public std::enable_shared_from_this<StdioTransport> {
 public:
  StdioTransport(boost::asio::any_io_executor strand, std::string server_id, SpawnSpec spec);
  ~StdioTransport() override;

  boost::asio::awaitable<Result<void, Failure>> open(TransportEvents events) override;
  boost::asio::awaitable<Result<void, Failure>> send(std::string message) override;
  boost::asio::awaitable<void> close() override;
  [[nodiscard]] std::string kind() const override { return "stdio"; }

  // Largest line accepted on stdout; a longer one ends the session (a broken or hostile server).
  static constexpr std::size_t max_line_bytes = 64 * 1024 * 1024;

 private:
  static boost::asio::awaitable<void> read_stdout(std::shared_ptr<StdioTransport> self);
  static boost::asio::awaitable<void> read_stderr(std::shared_ptr<StdioTransport> self);
  void report_closed(const std::string& reason);

  boost::asio::any_io_executor strand_;
  std::string server_id_;
  SpawnSpec spec_;
  std::unique_ptr<ChildProcess> child_;
  TransportEvents events_;
  bool closed_reported_ = false;
  bool closing_ = false;
  std::string last_stderr_line_;
  std::size_t garbage_lines_ = 0;
  bool writing_ = false;
  boost::asio::steady_timer write_done_;
};

}  // namespace parley::mcp
