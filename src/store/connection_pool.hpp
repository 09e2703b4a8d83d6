// Connections shared by the blocking pool's threads. SQLite gets one writer connection (in-process writers
// queue on its mutex, so they never meet "database is locked") plus readers that run beside it thanks to WAL;
// PostgreSQL gets interchangeable connections. Connections are created on first need.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "core/metrics.hpp"
#include "store/sql_connection.hpp"

namespace parley::store {

class ConnectionPool {
 public:
  using Factory = std::function<std::unique_ptr<SqlConnection>()>;

  // max_connections: readers (SQLite) or connections (PostgreSQL). separate_writer: SQLite's single writer.
  ConnectionPool(Factory factory, std::size_t max_connections, bool separate_writer);

  // Held for one repository operation; its time (from asking for the connection to giving it back) is
  // observed in parley_db_operation_duration_seconds by kind (read or write).
  class Lease {
   public:
    using Clock = std::chrono::steady_clock;
    Lease(ConnectionPool* pool, std::unique_ptr<SqlConnection> c, bool is_writer, metrics::DbKind kind,
          Clock::time_point asked)
        : pool_(pool), connection_(std::move(c)), writer_(is_writer), kind_(kind), asked_(asked) {}
    Lease(Lease&& o) noexcept = default;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (!connection_) return;
      pool_->give_back(std::move(connection_), writer_);
      metrics::global().db_operation(kind_).Observe(
          std::chrono::duration<double>(Clock::now() - asked_).count());
    }
    SqlConnection& operator*() { return *connection_; }
    SqlConnection* operator->() { return connection_.get(); }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<SqlConnection> connection_;
    bool writer_;
    metrics::DbKind kind_;
    Clock::time_point asked_;
  };

  Lease writer();
  Lease reader();

 private:
  Lease take(bool is_writer, metrics::DbKind kind);
  void give_back(std::unique_ptr<SqlConnection> c, bool is_writer);

  Factory factory_;
  std::size_t max_connections_;
  bool separate_writer_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<SqlConnection>> idle_;
  std::size_t created_ = 0;
  std::unique_ptr<SqlConnection> idle_writer_;
  bool writer_created_ = false;
};

}  // namespace parley::store
