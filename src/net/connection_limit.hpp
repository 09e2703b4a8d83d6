// How many client connections the HTTP server keeps open at once, which of them are idle (waiting for a
// request header) and may be closed to make room for a new client, and the default limit derived from the
// process's open-files limit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>

namespace parley::net {

// A connection that can be closed while it waits for a request header. The list links live in the connection
// itself: marking it idle or busy allocates nothing.
class IdleLink {
 public:
  IdleLink() = default;
  virtual ~IdleLink() = default;
  IdleLink(const IdleLink&) = delete;
  IdleLink& operator=(const IdleLink&) = delete;

  // Closes the connection if it still waits for a request header. Called with the limiter's lock held, so
  // it must only hand the work to the connection's executor (and must not call back into the limiter).
  virtual void evict() = 0;

 private:
  friend class ConnectionLimit;
  IdleLink* prev_ = nullptr;
  IdleLink* next_ = nullptr;
  bool listed_ = false;
};

class ConnectionLimit {
 public:
  explicit ConnectionLimit(std::size_t max_open) : max_open_(max_open == 0 ? 1 : max_open) {}

  // Called (without the lock) when a connection closes or goes idle while the accept loop waits for that.
  void on_change(std::function<void()> wake) { wake_ = std::move(wake); }

  // Only the accept loop opens connections, so `full()` followed by `opened()` cannot overshoot.
  [[nodiscard]] bool full() const;
  void opened();
  // The connection has ended: frees its slot (and takes it off the idle list).
  void closed(IdleLink& connection);
  // The connection waits for a request header / has received one.
  void idle(IdleLink& connection);
  void busy(IdleLink& connection);
  // Closes the connection that has been idle longest, to make room for a waiting client. False when no
  // connection is idle.
  bool evict_oldest_idle();
  // Something the accept loop waits for may have happened without changing the count (an eviction found its
  // connection busy again): wakes it to look again.
  void changed();

  // The accept loop's wait: `changes()` before it looks at the state, then `arm_wait(seen)` right before it
  // waits. False when something changed in between (then it must look again instead of waiting).
  [[nodiscard]] std::uint64_t changes() const;
  bool arm_wait(std::uint64_t seen);

  [[nodiscard]] std::size_t open() const;
  [[nodiscard]] std::size_t idle_count() const;
  [[nodiscard]] std::size_t max_open() const { return max_open_; }

 private:
  void unlink(IdleLink& connection);
  // Under the lock: counts a change and reports whether the waiting accept loop must be woken.
  bool note_change();

  const std::size_t max_open_;
  std::function<void()> wake_;
  mutable std::mutex mutex_;
  std::size_t open_ = 0;
  std::size_t idle_ = 0;
  std::uint64_t changes_ = 0;
  bool waiting_ = false;
  IdleLink* oldest_ = nullptr;  // the idle list, oldest first
  IdleLink* newest_ = nullptr;
};

// Raises the soft open-files limit (RLIMIT_NOFILE) to the hard limit, capped at 1,048,576, so that the
// default connection limit is as large as the system allows. Returns the soft limit in force afterwards.
std::uint64_t raise_open_files_limit();
// The soft open-files limit in force.
std::uint64_t open_files_limit();

// The default connection limit for a process that may open `open_files` descriptors. A streaming connection
// holds two (the client's socket and the upstream's); a fixed reserve is kept for everything else parley
// opens (listening socket, database files, logs, MCP child pipes, pooled upstream connections, uploads).
std::size_t connection_limit_for(std::uint64_t open_files);

}  // namespace parley::net
