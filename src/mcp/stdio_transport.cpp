#include "mcp/stdio_transport.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "core/json.hpp"
#include "core/log.hpp"
#include "core/redact.hpp"

namespace parley::mcp {

namespace asio = boost::asio;

StdioTransport::StdioTransport(asio::any_io_executor strand, std::string server_id, SpawnSpec spec)
    : strand_(std::move(strand)),
      server_id_(std::move(server_id)),
      spec_(std::move(spec)),
      write_done_(strand_) {
  write_done_.expires_at(asio::steady_timer::time_point::max());
}

StdioTransport::~StdioTransport() = default;  // ChildProcess kills and reaps what is left

asio::awaitable<Result<void, Failure>> StdioTransport::open(TransportEvents events) {
  events_ = std::move(events);
  auto spawned = ChildProcess::spawn(strand_, spec_);
  if (!spawned) co_return spawned.error();
  child_ = std::move(spawned.value());
  log::info("MCP server {}: started {} (pid {})", server_id_, spec_.argv.front(), child_->pid());
  asio::co_spawn(strand_, read_stdout(shared_from_this()), asio::detached);
  asio::co_spawn(strand_, read_stderr(shared_from_this()), asio::detached);
  co_return success();
}

asio::awaitable<Result<void, Failure>> StdioTransport::send(std::string message) {
  if (!child_ || closing_ || closed_reported_) co_return fail("the server process is not running");
  message.push_back('\n');
  boost::system::error_code ec;
  // A large message takes several write_some calls; two sends must not interleave their pieces on the pipe.
  while (writing_) {
    co_await write_done_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  writing_ = true;
  co_await asio::async_write(child_->stdin_pipe(), asio::buffer(message),
                             asio::redirect_error(asio::use_awaitable, ec));
  writing_ = false;
  write_done_.cancel();  // wakes the waiting senders; the first to run takes the pipe
  if (ec) co_return fail("cannot write to the server's stdin: " + ec.message());
  co_return success();
}

void StdioTransport::report_closed(const std::string& reason) {
  if (closed_reported_) return;
  closed_reported_ = true;
  if (events_.on_closed) events_.on_closed(reason);
}

asio::awaitable<void> StdioTransport::read_stdout(std::shared_ptr<StdioTransport> self) {
  asio::streambuf buffer(max_line_bytes);
  boost::system::error_code ec;
  for (;;) {
    const std::size_t n = co_await asio::async_read_until(self->child_->stdout_pipe(), buffer, '\n',
                                                          asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    std::string line(asio::buffers_begin(buffer.data()),
                     asio::buffers_begin(buffer.data()) + static_cast<std::ptrdiff_t>(n));
    buffer.consume(n);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    std::string why;
    auto value = json::parse(line, &why);
    if (!value) {
      // Servers must not print anything else on stdout; tolerate it (some libraries print banners) but say
      // so.
      if (++self->garbage_lines_ <= 20) {
        log::warn("MCP server {} wrote a line that is not JSON-RPC on stdout (ignored): {}", self->server_id_,
                  global_redactor().redact(line.substr(0, 200)));
      }
      continue;
    }
    if (self->events_.on_message) self->events_.on_message(std::move(*value), std::nullopt);
  }
  if (self->closing_) co_return;
  std::string reason;
  if (ec == asio::error::not_found) {
    reason = "the server wrote a line longer than 64 MiB on stdout";
  } else {
    // Give the process a moment to be reaped so the reason can say how it ended.
    (void)co_await self->child_->wait_until_exited(std::chrono::milliseconds(200));
    reason = "the server process " + self->child_->exit_description();
    if (!self->last_stderr_line_.empty()) {
      reason += " (last stderr line: " + self->last_stderr_line_ + ")";
    }
  }
  self->report_closed(reason);
}

asio::awaitable<void> StdioTransport::read_stderr(std::shared_ptr<StdioTransport> self) {
  asio::streambuf buffer(1024 * 1024);
  boost::system::error_code ec;
  for (;;) {
    const std::size_t n = co_await asio::async_read_until(self->child_->stderr_pipe(), buffer, '\n',
                                                          asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::not_found) {
      buffer.consume(buffer.size());  // an endless line: drop it, keep reading
      continue;
    }
    if (ec) break;
    std::string line(asio::buffers_begin(buffer.data()),
                     asio::buffers_begin(buffer.data()) + static_cast<std::ptrdiff_t>(n));
    buffer.consume(n);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    if (line.empty()) continue;
    line = global_redactor().redact(line);
    log::info("MCP server {} stderr: {}", self->server_id_, line);
    self->last_stderr_line_ = line.substr(0, 300);
  }
}

asio::awaitable<void> StdioTransport::close() {
  if (!child_ || closing_) co_return;
  closing_ = true;
  co_await child_->terminate();
  log::info("MCP server {}: process {} stopped ({})", server_id_, child_->pid(), child_->exit_description());
  boost::system::error_code ec;
  child_->stdout_pipe().close(ec);
  child_->stderr_pipe().close(ec);
}

}  // namespace parley::mcp
