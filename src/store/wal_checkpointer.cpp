#include "store/wal_checkpointer.hpp"

#include <sqlite3.h>

#include <chrono>

namespace parley::store {

WalCheckpointer::WalCheckpointer(std::filesystem::path path, int threshold_pages)
    : path_(std::move(path)), threshold_pages_(threshold_pages), thread_([this] { run(); }) {}

WalCheckpointer::~WalCheckpointer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void WalCheckpointer::attach(sqlite3* db) {
  sqlite3_wal_hook(db, &WalCheckpointer::on_commit, this);
}

long WalCheckpointer::completed() const {
  std::lock_guard lock(mutex_);
  return completed_;
}

int WalCheckpointer::on_commit(void* self, sqlite3* db, const char* schema, int wal_pages) {
  auto* c = static_cast<WalCheckpointer*>(self);
  if (wal_pages < c->threshold_pages_) return SQLITE_OK;
  if (wal_pages >= 20 * c->threshold_pages_) {
    // Far behind: do what SQLite's automatic checkpoint does, in this commit.
    sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    return SQLITE_OK;
  }
  {
    std::lock_guard lock(c->mutex_);
    c->pending_ = true;
  }
  c->wake_.notify_one();
  return SQLITE_OK;
}

void WalCheckpointer::run() {
  sqlite3* db = nullptr;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return pending_ || stopping_; });
      if (stopping_) break;
      pending_ = false;
    }
    // A new connection opens the write-ahead log only once it reads the database: until then a checkpoint on
    // it does nothing and reports -1 frames (SQLite's "not in WAL mode"). So it reads the schema version
    // first.
    if (!db && (sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) !=
                    SQLITE_OK ||
                sqlite3_exec(db, "PRAGMA schema_version", nullptr, nullptr, nullptr) != SQLITE_OK)) {
      // The file is gone or unreadable: the writer's own fallback keeps the log bounded.
      sqlite3_close(db);
      db = nullptr;
      continue;
    }
    // Backfills what no reader still needs; the next writer then restarts the log from its beginning.
    if (sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr) == SQLITE_OK) {
      std::lock_guard lock(mutex_);
      ++completed_;
    }
  }
  sqlite3_close(db);
}

}  // namespace parley::store
