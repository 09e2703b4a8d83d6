#include "store/message_session_cache.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <string>

#include "store/records.hpp"
#include "store/sqlite_connection.hpp"

namespace parley::store {

std::optional<MessageSessionCache::Reader> MessageSessionCache::read(SqliteConnection& c) {
  std::int64_t changes = 0, min_id = 0, max_id = 0;
  bool empty = true;
  try {
    auto* stmt = c.statement(
        "SELECT (SELECT changes FROM message_id_watch WHERE id = 1), (SELECT min(id) FROM messages), "
        "(SELECT max(id) FROM messages)");
    StatementScope scope(stmt);
    if (sqlite3_step(stmt) != SQLITE_ROW) c.step_failed();
    if (sqlite3_column_type(stmt, 0) == SQLITE_NULL) return std::nullopt;  // the row was deleted by hand
    changes = sqlite3_column_int64(stmt, 0);
    empty = sqlite3_column_type(stmt, 2) == SQLITE_NULL;
    min_id = sqlite3_column_int64(stmt, 1);
    max_id = sqlite3_column_int64(stmt, 2);
  } catch (const DatabaseError&) {
    return std::nullopt;  // no message_id_watch (dropped by hand): search without the cache
  }
  {
    std::shared_lock lock(mutex_);
    if (built_ && changes == changes_ && (empty || max_id <= last_)) return Reader(*this, std::move(lock));
    if (built_ && changes < changes_) return std::nullopt;  // a snapshot older than the entries' count
  }
  {
    std::unique_lock lock(mutex_);
    if (!built_ || changes > changes_) {
      built_ = false;
      conversation_of_ = {};
      sessions_ = {};
      rows_ = 0;
      first_ = empty ? 1 : min_id;
      last_ = first_ - 1;
      if (!empty) {
        conversation_of_.reserve(
            static_cast<std::size_t>(std::min<std::int64_t>(max_id - min_id + 1, 1 << 22)));
        walk(c, first_, max_id);
      }
      changes_ = changes;
      built_ = true;
      ++builds_;
    } else if (changes == changes_ && !empty && max_id > last_) {
      walk(c, last_ + 1, max_id);
      ++extensions_;
    }
  }
  std::shared_lock lock(mutex_);
  if (built_ && changes == changes_) return Reader(*this, std::move(lock));
  return std::nullopt;  // rebuilt meanwhile for a newer snapshot
}

void MessageSessionCache::walk(SqliteConnection& c, std::int64_t from, std::int64_t snapshot_max) {
  auto* stmt = c.statement(
      "SELECT id, session_id FROM messages INDEXED BY idx_messages_id_session WHERE id >= ? ORDER BY id",
      {from});
  StatementScope scope(stmt);
  std::int64_t covered = snapshot_max;
  std::string last_session;
  std::uint32_t last_number = unknown;
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    const std::int64_t id = sqlite3_column_int64(stmt, 0);
    if (id > snapshot_max) break;
    const auto offset = static_cast<std::uint64_t>(id - first_);
    // Sparse ids (explicit ones far above the others) would cost 4 bytes each id between: past 16 ids per
    // row the rest is left to SQLite.
    if (offset >= std::max<std::uint64_t>(std::uint64_t{1} << 22, 16 * (rows_ + 1))) {
      covered = id - 1;
      break;
    }
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1));
    if (!text) continue;
    const std::string_view session(text, static_cast<std::size_t>(sqlite3_column_bytes(stmt, 1)));
    // Rows come in id order, so a conversation's rows mostly follow each other.
    if (last_number == unknown || session != last_session) {
      last_number = sessions_.add(session);
      last_session.assign(session);
    }
    if (offset >= conversation_of_.size())
      conversation_of_.resize(static_cast<std::size_t>(offset) + 1, unknown);
    conversation_of_[static_cast<std::size_t>(offset)] = last_number;
    ++rows_;
  }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) c.step_failed();
  last_ = std::max(last_, covered);
}

MessageSessionCache::Stats MessageSessionCache::stats() const {
  std::shared_lock lock(mutex_);
  Stats s;
  s.builds = builds_;
  s.extensions = extensions_;
  s.first = first_;
  s.last = last_;
  s.conversations = sessions_.size();
  s.bytes = conversation_of_.capacity() * sizeof(std::uint32_t) + sessions_.memory();
  return s;
}

}  // namespace parley::store
