#include "store/reaper_lock.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <chrono>

#include "core/log.hpp"

namespace parley::store {

namespace {

// The advisory lock key of the retention job ("parley").
constexpr const char* kLockKey = "123563833845113";  // 0x7061726c6579, as before

std::string trimmed(const char* message) {
  std::string s = message ? message : "unknown error";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// Waits up to `ms` for the connection's socket; false when poll itself failed.
bool wait_readable(int fd, int ms) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, ms) >= 0;
}

void sleep_unless(const std::atomic<bool>& stopping, std::chrono::milliseconds total) {
  const auto until = std::chrono::steady_clock::now() + total;
  while (!stopping && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
}

// Cancels a query the server is still running (a pg_advisory_lock waiting in the queue), so the lock is not
// granted to a connection that is about to close.
void cancel_pending(PGconn* conn) {
  if (PGcancel* cancel = PQgetCancel(conn)) {
    char error[256];
    PQcancel(cancel, error, sizeof error);
    PQfreeCancel(cancel);
  }
}

}  // namespace

ReaperLock::ReaperLock(std::string url, std::function<void()> acquired)
    : url_(std::move(url)), acquired_(std::move(acquired)) {}

ReaperLock::~ReaperLock() {
  stop();
}

void ReaperLock::start() {
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void ReaperLock::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

bool ReaperLock::held() {
  std::unique_lock lock(mutex_);
  first_attempt_.wait_for(lock, std::chrono::seconds(5), [this] { return attempted_; });
  return held_;
}

void ReaperLock::run() {
  auto backoff = std::chrono::milliseconds(250);
  bool waited = false;  // this replica waited for the lock at least once: say so when it comes
  const auto attempted = [this] {
    std::lock_guard lock(mutex_);
    attempted_ = true;
    first_attempt_.notify_all();
  };
  while (!stopping_) {
    PGconn* conn = PQconnectdb(url_.c_str());
    PQsetNoticeProcessor(
        conn, [](void*, const char*) {}, nullptr);
    if (PQstatus(conn) != CONNECTION_OK) {
      log::warn("Retention: cannot connect to PostgreSQL for the retention lock (retrying): {}",
                trimmed(PQerrorMessage(conn)));
      PQfinish(conn);
      attempted();
      sleep_unless(stopping_, backoff);
      backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
      continue;
    }
    backoff = std::chrono::milliseconds(250);
    // First ask without waiting, so start-up learns at once whether this replica runs the job.
    PGresult* r = PQexec(conn, (std::string("SELECT pg_try_advisory_lock(") + kLockKey + ")").c_str());
    const bool taken = PQresultStatus(r) == PGRES_TUPLES_OK && std::string(PQgetvalue(r, 0, 0)) == "t";
    PQclear(r);
    if (!taken) {
      waited = true;
      held_ = false;
      attempted();
      // Queue for the lock: PostgreSQL grants it when the holder's connection ends.
      if (PQsendQuery(conn, (std::string("SELECT pg_advisory_lock(") + kLockKey + ")").c_str()) != 1) {
        PQfinish(conn);
        sleep_unless(stopping_, backoff);
        continue;
      }
      bool granted = false;
      const int fd = PQsocket(conn);
      while (!stopping_ && !granted) {
        if (!wait_readable(fd, 200) || !PQconsumeInput(conn)) break;
        if (PQisBusy(conn)) continue;
        bool ok = false;
        while (PGresult* result = PQgetResult(conn)) {
          ok = ok || PQresultStatus(result) == PGRES_TUPLES_OK;
          PQclear(result);
        }
        if (!ok) break;
        granted = true;
      }
      if (!granted) {
        if (stopping_) cancel_pending(conn);
        PQfinish(conn);
        if (!stopping_) {
          log::warn("Retention: lost the PostgreSQL connection waiting for the retention lock; reconnecting");
          sleep_unless(stopping_, backoff);
        }
        continue;
      }
    }
    held_ = true;
    attempted();
    if (waited) {
      log::info("Retention: this replica now holds the retention lock (the replica that held it is gone)");
      if (acquired_) acquired_();
    }
    // Hold it for as long as the connection lives; a lost connection has lost the lock too.
    const int fd = PQsocket(conn);
    while (!stopping_) {
      if (!wait_readable(fd, 200) || !PQconsumeInput(conn) || PQstatus(conn) != CONNECTION_OK) break;
    }
    held_ = false;
    PQfinish(conn);
    if (!stopping_) {
      log::warn("Retention: the connection holding the retention lock was lost; asking for the lock again");
      waited = true;
      sleep_unless(stopping_, backoff);
    }
  }
}

}  // namespace parley::store
