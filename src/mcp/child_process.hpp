// A child process on Asio pipes, started with posix_spawn (no shell) in its own process group, with only
// stdin/stdout/stderr inherited (every other descriptor closed), and always reaped.
#pragma once

#include <sys/types.h>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mcp/failure.hpp"

namespace parley::mcp {

struct SpawnSpec {
  std::vector<std::string> argv;  // argv[0] is looked up in PATH when it has no '/'
  std::filesystem::path cwd;
  std::vector<std::string> environment;  // "KEY=value"
};

class ChildProcess {
 public:
  static Result<std::unique_ptr<ChildProcess>, Failure> spawn(const boost::asio::any_io_executor& ex,
                                                              const SpawnSpec& spec);
  ~ChildProcess();  // kills the group and reaps the child when still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  boost::asio::posix::stream_descriptor& stdin_pipe() { return stdin_; }
  boost::asio::posix::stream_descriptor& stdout_pipe() { return stdout_; }
  boost::asio::posix::stream_descriptor& stderr_pipe() { return stderr_; }
  [[nodiscard]] pid_t pid() const { return pid_; }

  void close_stdin();
  // Non-blocking reap; true once the child has exited (its status is then in exit_description()).
  bool try_reap();
  [[nodiscard]] bool exited() const { return reaped_; }
  // "exited with status 1", "killed by signal 9".
  [[nodiscard]] std::string exit_description() const;
  void signal_group(int sig) const;
  // Waits up to `limit` for the child to exit by itself (polling; used only while stopping).
  boost::asio::awaitable<bool> wait_until_exited(std::chrono::milliseconds limit);
  // close stdin, wait 2 s, SIGTERM the group, wait 2 s, SIGKILL; the child is reaped afterwards.
  boost::asio::awaitable<void> terminate(std::chrono::milliseconds grace = std::chrono::milliseconds(2000));

 private:
  ChildProcess(const boost::asio::any_io_executor& ex, pid_t pid, int in_fd, int out_fd, int err_fd);
  pid_t pid_;
  bool reaped_ = false;
  int status_ = 0;
  boost::asio::posix::stream_descriptor stdin_;
  boost::asio::posix::stream_descriptor stdout_;
  boost::asio::posix::stream_descriptor stderr_;
};

}  // namespace parley::mcp
