// Turns of one session serialized across replicas (api.md §3.2 step 1) with PostgreSQL: a session-level
// advisory lock per session, keyed by a hash of its id, all held on one dedicated connection per replica.
// Taking never blocks (pg_try_advisory_lock), so a turn waiting for another replica ties up no thread; a
// replica that dies loses its connection and PostgreSQL releases every lock it held.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace parley::store {

class SqlConnection;

// The advisory lock key of a session: FNV-1a 64 of its id, the same on every replica.
std::int64_t session_lock_key(std::string_view session_id);

class SessionLocks {
 public:
  // Connects on first use.
  explicit SessionLocks(std::string url);
  ~SessionLocks();
  SessionLocks(const SessionLocks&) = delete;
  SessionLocks& operator=(const SessionLocks&) = delete;

  // Blocking. True when this replica now holds the session (held locks nest: each take needs one release).
  // Throws DatabaseError when the database cannot be asked.
  bool try_lock(const std::string& session_id);
  // Blocking; never throws (a lost connection has released the lock already).
  void unlock(const std::string& session_id);

 private:
  std::string url_;
  std::mutex mutex_;
  std::unique_ptr<SqlConnection> connection_;
};

}  // namespace parley::store
