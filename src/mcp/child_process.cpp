#include "mcp/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <cstring>

namespace parley::mcp {

namespace asio = boost::asio;

namespace {

struct PipePair {
  int read_end = -1;
  int write_end = -1;
};

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

bool make_pipe(PipePair& p) {
  std::array<int, 2> fds{};
  if (::pipe2(fds.data(), O_CLOEXEC) != 0) return false;
  p.read_end = fds[0];
  p.write_end = fds[1];
  return true;
}

}  // namespace

Result<std::unique_ptr<ChildProcess>, Failure> ChildProcess::spawn(const asio::any_io_executor& ex,
                                                                   const SpawnSpec& spec) {
  using R = Result<std::unique_ptr<ChildProcess>, Failure>;
  if (spec.argv.empty() || spec.argv.front().empty()) return fail("the command is empty");
  PipePair in, out, err;
  if (!make_pipe(in) || !make_pipe(out) || !make_pipe(err)) {
    const std::string why = std::strerror(errno);
    close_fd(in.read_end), close_fd(in.write_end), close_fd(out.read_end), close_fd(out.write_end);
    close_fd(err.read_end), close_fd(err.write_end);
    return fail("cannot create pipes: " + why);
  }

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // dup2 onto 0/1/2 clears O_CLOEXEC on the copies; everything else parley has open is closed in the child.
  posix_spawn_file_actions_adddup2(&actions, in.read_end, STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out.write_end, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err.write_end, STDERR_FILENO);
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  if (!spec.cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, spec.cwd.c_str());

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t empty_mask, default_signals;
  sigemptyset(&empty_mask);
  sigemptyset(&default_signals);
  for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGCHLD, SIGQUIT}) sigaddset(&default_signals, sig);
  posix_spawnattr_setsigmask(&attr, &empty_mask);
  posix_spawnattr_setsigdefault(&attr, &default_signals);
  posix_spawnattr_setpgroup(&attr, 0);  // its own process group, so stopping reaches its children too
  posix_spawnattr_setflags(
      &attr, static_cast<short>(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF));

  std::vector<char*> argv;
  for (const auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& e : spec.environment) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, argv[0], &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close_fd(in.read_end);
  close_fd(out.write_end);
  close_fd(err.write_end);
  if (rc != 0) {
    close_fd(in.write_end), close_fd(out.read_end), close_fd(err.read_end);
    std::string why = std::strerror(rc);
    if (rc == ENOENT) why = "command not found";
    if (rc == ENOENT && !spec.cwd.empty() && !std::filesystem::is_directory(spec.cwd)) {
      why = "working directory " + spec.cwd.string() + " does not exist";
    }
    return fail("cannot start " + spec.argv.front() + ": " + why);
  }
  return R(
      std::unique_ptr<ChildProcess>(new ChildProcess(ex, pid, in.write_end, out.read_end, err.read_end)));
}

ChildProcess::ChildProcess(const asio::any_io_executor& ex, pid_t pid, int in_fd, int out_fd, int err_fd)
    : pid_(pid), stdin_(ex, in_fd), stdout_(ex, out_fd), stderr_(ex, err_fd) {}

ChildProcess::~ChildProcess() {
  boost::system::error_code ec;
  stdin_.close(ec);
  stdout_.close(ec);
  stderr_.close(ec);
  if (!reaped_) {
    signal_group(SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
}

void ChildProcess::close_stdin() {
  boost::system::error_code ec;
  stdin_.close(ec);
}

bool ChildProcess::try_reap() {
  if (reaped_) return true;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_ || (r < 0 && errno == ECHILD)) {
    reaped_ = true;
    status_ = status;
  }
  return reaped_;
}

std::string ChildProcess::exit_description() const {
  if (!reaped_) return "still running";
  if (WIFEXITED(status_)) return "exited with status " + std::to_string(WEXITSTATUS(status_));
  if (WIFSIGNALED(status_)) return "killed by signal " + std::to_string(WTERMSIG(status_));
  return "ended";
}

void ChildProcess::signal_group(int sig) const {
  // The group id equals the pid (setpgroup 0). Fall back to the pid itself should the group be gone.
  if (::kill(-pid_, sig) != 0 && !reaped_) ::kill(pid_, sig);
}

asio::awaitable<bool> ChildProcess::wait_until_exited(std::chrono::milliseconds limit) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!try_reap()) {
    if (std::chrono::steady_clock::now() >= deadline) co_return false;
    timer.expires_after(std::chrono::milliseconds(10));
    co_await timer.async_wait(asio::use_awaitable);
  }
  co_return true;
}

asio::awaitable<void> ChildProcess::terminate(std::chrono::milliseconds grace) {
  close_stdin();
  // (co_await results are stored before testing them: g++ 12 mishandles co_await inside conditions.)
  const bool exited_alone = co_await wait_until_exited(grace);
  if (exited_alone) {
    ::kill(-pid_, SIGKILL);  // grandchildren left behind in the server's group
    co_return;
  }
  signal_group(SIGTERM);
  const bool exited_on_term = co_await wait_until_exited(grace);
  if (exited_on_term) co_return;
  signal_group(SIGKILL);
  const bool killed = co_await wait_until_exited(std::chrono::milliseconds(5000));
  (void)killed;
}

}  // namespace parley::mcp
