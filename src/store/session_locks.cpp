#include "store/session_locks.hpp"

#include "core/log.hpp"
#include "store/postgres_connection.hpp"
#include "store/repository.hpp"

namespace parley::store {

std::int64_t session_lock_key(std::string_view session_id) {
  std::uint64_t hash = 14695981039346656037ull;
  for (const char c : session_id) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  return static_cast<std::int64_t>(hash);
}

SessionLocks::SessionLocks(std::string url) : url_(std::move(url)) {}
SessionLocks::~SessionLocks() = default;

bool SessionLocks::try_lock(const std::string& session_id) {
  std::lock_guard lock(mutex_);
  try {
    if (!connection_) connection_ = std::make_unique<PostgresConnection>(url_);
    return connection_->query("SELECT pg_try_advisory_lock(?)", {session_lock_key(session_id)})
               .at(0)
               .text(0) == "t";
  } catch (const DatabaseError&) {
    connection_.reset();
    throw;
  }
}

void SessionLocks::unlock(const std::string& session_id) {
  std::lock_guard lock(mutex_);
  if (!connection_) return;
  try {
    connection_->query("SELECT pg_advisory_unlock(?)", {session_lock_key(session_id)});
  } catch (const DatabaseError& e) {
    // The connection is gone, and its locks with it.
    log::warn("Cannot release the turn lock of session {}: {}", session_id, e.what());
    connection_.reset();
  }
}

}  // namespace parley::store
