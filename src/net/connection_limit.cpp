#include "net/connection_limit.hpp"

#include <sys/resource.h>

#include <algorithm>

#include "core/metrics.hpp"

namespace parley::net {

bool ConnectionLimit::full() const {
  std::lock_guard lock(mutex_);
  return open_ >= max_open_;
}

void ConnectionLimit::opened() {
  {
    std::lock_guard lock(mutex_);
    ++open_;
  }
  metrics::global().http_connections_open().Increment();
}

void ConnectionLimit::closed(IdleLink& connection) {
  bool wake = false;
  bool counted = false;
  {
    std::lock_guard lock(mutex_);
    unlink(connection);
    counted = open_ > 0;
    if (counted) --open_;
    wake = note_change();
  }
  if (counted) metrics::global().http_connections_open().Decrement();
  if (wake && wake_) wake_();
}

void ConnectionLimit::idle(IdleLink& connection) {
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    if (connection.listed_) return;
    connection.prev_ = newest_;
    connection.next_ = nullptr;
    if (newest_) {
      newest_->next_ = &connection;
    } else {
      oldest_ = &connection;
    }
    newest_ = &connection;
    connection.listed_ = true;
    ++idle_;
    wake = note_change();
  }
  if (wake && wake_) wake_();
}

void ConnectionLimit::busy(IdleLink& connection) {
  std::lock_guard lock(mutex_);
  unlink(connection);
}

bool ConnectionLimit::evict_oldest_idle() {
  std::lock_guard lock(mutex_);
  IdleLink* victim = oldest_;
  if (!victim) return false;
  unlink(*victim);
  // Still under the lock: a listed connection is alive (it leaves the list in closed() before it can go).
  victim->evict();
  return true;
}

void ConnectionLimit::changed() {
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    wake = note_change();
  }
  if (wake && wake_) wake_();
}

std::uint64_t ConnectionLimit::changes() const {
  std::lock_guard lock(mutex_);
  return changes_;
}

bool ConnectionLimit::arm_wait(std::uint64_t seen) {
  std::lock_guard lock(mutex_);
  if (changes_ != seen) return false;
  waiting_ = true;
  return true;
}

std::size_t ConnectionLimit::open() const {
  std::lock_guard lock(mutex_);
  return open_;
}

std::size_t ConnectionLimit::idle_count() const {
  std::lock_guard lock(mutex_);
  return idle_;
}

void ConnectionLimit::unlink(IdleLink& connection) {
  if (!connection.listed_) return;
  if (connection.prev_) {
    connection.prev_->next_ = connection.next_;
  } else {
    oldest_ = connection.next_;
  }
  if (connection.next_) {
    connection.next_->prev_ = connection.prev_;
  } else {
    newest_ = connection.prev_;
  }
  connection.prev_ = connection.next_ = nullptr;
  connection.listed_ = false;
  --idle_;
}

bool ConnectionLimit::note_change() {
  ++changes_;
  const bool wake = waiting_;
  waiting_ = false;
  return wake;
}

std::uint64_t raise_open_files_limit() {
  constexpr rlim_t kCap = 1048576;
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
  const rlim_t wanted = limit.rlim_max == RLIM_INFINITY ? kCap : std::min(limit.rlim_max, kCap);
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < wanted) {
    rlimit raised = limit;
    raised.rlim_cur = wanted;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  return limit.rlim_cur == RLIM_INFINITY ? kCap : static_cast<std::uint64_t>(limit.rlim_cur);
}

std::uint64_t open_files_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
  return limit.rlim_cur == RLIM_INFINITY ? 1048576 : static_cast<std::uint64_t>(limit.rlim_cur);
}

std::size_t connection_limit_for(std::uint64_t open_files) {
  // What parley holds besides its client connections: ~25 descriptors at start (listening socket, epoll,
  // database and log files, the blocking pool's wake-ups), 3 pipes per stdio MCP server, up to 16 pooled
  // upstream connections per host, files of uploads in progress. Under a very low limit half is kept.
  const std::uint64_t reserve = std::min<std::uint64_t>(96, open_files / 2);
  constexpr std::uint64_t kPerConnection = 2;
  return static_cast<std::size_t>(std::max<std::uint64_t>(1, (open_files - reserve) / kPerConnection));
}

}  // namespace parley::net
