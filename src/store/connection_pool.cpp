#include "store/connection_pool.hpp"

namespace parley::store {

ConnectionPool::ConnectionPool(Factory factory, std::size_t max_connections, bool separate_writer)
    : factory_(std::move(factory)), max_connections_(max_connections), separate_writer_(separate_writer) {}

ConnectionPool::Lease ConnectionPool::writer() {
  return take(separate_writer_, metrics::DbKind::write);
}
ConnectionPool::Lease ConnectionPool::reader() {
  return take(false, metrics::DbKind::read);
}

ConnectionPool::Lease ConnectionPool::take(bool is_writer, metrics::DbKind kind) {
  const auto asked = Lease::Clock::now();
  std::unique_lock lock(mutex_);
  if (is_writer) {
    available_.wait(lock, [this] { return idle_writer_ || !writer_created_; });
    if (idle_writer_) return Lease(this, std::move(idle_writer_), true, kind, asked);
    writer_created_ = true;
  } else {
    available_.wait(lock, [this] { return !idle_.empty() || created_ < max_connections_; });
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(c), false, kind, asked);
    }
    ++created_;
  }
  lock.unlock();
  try {
    return Lease(this, factory_(), is_writer, kind, asked);
  } catch (...) {
    // The slot was never filled: let the next caller try again.
    std::lock_guard relock(mutex_);
    if (is_writer) {
      writer_created_ = false;
    } else {
      --created_;
    }
    available_.notify_all();
    throw;
  }
}

void ConnectionPool::give_back(std::unique_ptr<SqlConnection> c, bool is_writer) {
  // A connection returned inside a failed transaction must not leak it to the next user.
  c->rollback();
  {
    std::lock_guard lock(mutex_);
    if (is_writer) {
      idle_writer_ = std::move(c);
    } else {
      idle_.push_back(std::move(c));
    }
  }
  available_.notify_all();
}

}  // namespace parley::store
