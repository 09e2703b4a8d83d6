// Group commit for SQLite's single writer: the writes of turns that arrive while a transaction is being
// written share the next one. The first caller to find no transaction in progress leads: it takes every write
// queued at that moment, runs each in a savepoint of one transaction (one that fails is rolled back alone and
// gets its own exception) and commits once; the others wait for their write's outcome. One commit then writes
// the pages the writes share (the conversations' and messages' b-tree leaves, the index leaves, one full-text
// segment) once instead of once per turn (P1: 100 turns started together). A lone write runs at once, as
// before.
#pragma once

#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <vector>

#include "store/connection_pool.hpp"

namespace parley::store {

class GroupCommit {
 public:
  explicit GroupCommit(ConnectionPool& pool) : pool_(pool) {}

  // Runs `write` on the writer connection inside a transaction shared with other callers' writes, and returns
  // once that transaction is committed; rethrows what `write` threw (its savepoint rolled back) or what the
  // commit threw.
  void run(const std::function<void(SqlConnection&)>& write);

  // Writes run so far, the transactions they took, and the writes waiting for the next one (tests, notes).
  [[nodiscard]] long writes() const;
  [[nodiscard]] long transactions() const;
  [[nodiscard]] std::size_t waiting() const;

 private:
  struct Job {
    const std::function<void(SqlConnection&)>* write;
    std::exception_ptr error;
    bool done = false;
  };
  void commit_batch(const std::vector<Job*>& batch);

  ConnectionPool& pool_;
  mutable std::mutex mutex_;
  std::condition_variable finished_;
  std::vector<Job*> queued_;
  bool leading_ = false;
  long writes_ = 0;
  long transactions_ = 0;
};

}  // namespace parley::store
