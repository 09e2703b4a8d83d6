#include "store/group_commit.hpp"

namespace parley::store {

void GroupCommit::run(const std::function<void(SqlConnection&)>& write) {
  Job job{&write, nullptr, false};
  std::unique_lock lock(mutex_);
  queued_.push_back(&job);
  while (!job.done) {
    if (leading_) {
      finished_.wait(lock);
      continue;
    }
    // Lead one transaction with everything queued now (this caller's write included), then let a waiting
    // caller lead the next: nobody serves others for longer than one transaction.
    leading_ = true;
    std::vector<Job*> batch;
    batch.swap(queued_);
    lock.unlock();
    commit_batch(batch);
    lock.lock();
    leading_ = false;
    writes_ += static_cast<long>(batch.size());
    ++transactions_;
    for (auto* j : batch) j->done = true;
    finished_.notify_all();
  }
  if (job.error) std::rethrow_exception(job.error);
}

void GroupCommit::commit_batch(const std::vector<Job*>& batch) {
  try {
    auto c = pool_.writer();
    Transaction tx(*c);
    for (auto* job : batch) {
      if (batch.size() == 1) {
        // Alone: no savepoint needed, a failure rolls the whole transaction back.
        (*job->write)(*c);
        break;
      }
      c->query("SAVEPOINT parley_write");
      try {
        (*job->write)(*c);
        c->query("RELEASE parley_write");
      } catch (...) {
        job->error = std::current_exception();
        c->execute_script("ROLLBACK TO parley_write; RELEASE parley_write");
      }
    }
    tx.commit();
  } catch (...) {
    // No connection, a failed savepoint rollback or commit: nothing of the batch was stored.
    const auto error = std::current_exception();
    for (auto* job : batch) {
      if (!job->error) job->error = error;
    }
  }
}

long GroupCommit::writes() const {
  std::lock_guard lock(mutex_);
  return writes_;
}

std::size_t GroupCommit::waiting() const {
  std::lock_guard lock(mutex_);
  return queued_.size();
}

long GroupCommit::transactions() const {
  std::lock_guard lock(mutex_);
  return transactions_;
}

}  // namespace parley::store
