// Message id -> conversation, kept in memory for the SQLite search (conversation_listing.cpp): a broad
// search maps each full-text hit (a message id) to its conversation by an array lookup instead of a seek in
// idx_messages_id_session (~0.5 us a hit through SQLite; 201,947 hits for q="tari" over 1,010,000 messages).
//
// Built on the first text search by one walk of idx_messages_id_session, inside that search's read
// transaction; extended by later searches with the rows above its largest id (messages.id is AUTOINCREMENT,
// so new rows come above every id used before). What it relies on, and how each case is handled:
// - A deleted message keeps its entry; its messages_fts row goes with it (trigger messages_fts_delete, also
//   for cascades), so no later search hits it. An older snapshot that still sees the row gets the right
//   conversation from the entry.
// - An id that had no row when the cache read it (a gap) is "unknown": a hit on it is looked up in SQLite.
// - A row that takes an id at or below the largest id ever used (an explicit id: an import, another
//   program, or a lowered sqlite_sequence), and any UPDATE of messages.id or messages.session_id, could make
//   an entry wrong. parley does neither, but another program could: migration 7's triggers count these in
//   message_id_watch.changes. The cache remembers the count it was built at and is rebuilt when a search's
//   snapshot shows a larger one; a snapshot showing a smaller one (older than the rebuild) is not served.
// The cache never answers for an id it did not read from a snapshot with its count, so a wrong answer needs
// the database changed behind the triggers' back (triggers or message_id_watch dropped or edited by hand, or
// messages_fts rows written for ids without a message).
//
// Memory: 4 bytes per id between the smallest and the largest (gaps included: ~4 MB per million messages)
// plus ~60-70 bytes per conversation ever seen (its id once, a hash, a table slot; ~7 MB for 100,000
// conversations of 36-character ids). Conversations deleted since the last rebuild keep their entry.
// Shared by the repository's reader threads: a shared_mutex, held shared while a search maps its hits and
// exclusively while the cache is built or extended.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string_view>
#include <vector>

#include "store/session_index.hpp"

namespace parley::store {

class SqliteConnection;

class MessageSessionCache {
 public:
  static constexpr std::uint32_t unknown = UINT32_MAX;

  // A view of the cache valid for the caller's read snapshot; holds the shared lock until destroyed.
  class Reader {
   public:
    // The conversation number of message `id`, or `unknown` (a gap, or an id above the cache): the caller
    // asks SQLite.
    [[nodiscard]] std::uint32_t conversation(std::int64_t id) const {
      if (id < cache_->first_ || id > cache_->last_) return unknown;
      const auto offset = static_cast<std::size_t>(id - cache_->first_);
      return offset < cache_->conversation_of_.size() ? cache_->conversation_of_[offset] : unknown;
    }
    [[nodiscard]] std::string_view session(std::uint32_t conversation) const {
      return cache_->sessions_.at(conversation);
    }
    [[nodiscard]] std::size_t conversations() const { return cache_->sessions_.size(); }

   private:
    friend class MessageSessionCache;
    Reader(const MessageSessionCache& cache, std::shared_lock<std::shared_mutex> lock)
        : cache_(&cache), lock_(std::move(lock)) {}
    const MessageSessionCache* cache_;
    std::shared_lock<std::shared_mutex> lock_;
  };

  // The cache brought up to the snapshot of `c`, which must be inside a read transaction (the search's):
  // built on first use, extended with the rows above its largest id, rebuilt when message_id_watch.changes
  // grew. nullopt when it cannot serve this snapshot (an older one than its count, or no message_id_watch
  // row): the caller then maps every hit through SQLite.
  std::optional<Reader> read(SqliteConnection& c);

  struct Stats {
    int builds = 0;      // full walks
    int extensions = 0;  // walks of the rows above the largest id
    std::int64_t first = 1, last = 0;
    std::size_t conversations = 0;
    std::size_t bytes = 0;
  };
  [[nodiscard]] Stats stats() const;

 private:
  // Reads the rows with id >= `from` in the current snapshot into the cache (exclusive lock held).
  void walk(SqliteConnection& c, std::int64_t from, std::int64_t snapshot_max);

  mutable std::shared_mutex mutex_;
  bool built_ = false;
  std::int64_t changes_ = 0;           // message_id_watch.changes the entries were read at
  std::int64_t first_ = 1, last_ = 0;  // every id in [first_, last_] has its entry (or a gap)
  // [id - first_] -> number in sessions_, or unknown; ids above its end up to last_ are gaps.
  std::vector<std::uint32_t> conversation_of_;
  std::size_t rows_ = 0;  // entries that are not gaps
  SessionIndex sessions_;
  int builds_ = 0, extensions_ = 0;
};

}  // namespace parley::store
