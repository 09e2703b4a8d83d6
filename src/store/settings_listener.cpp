#include "store/settings_listener.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <charconv>
#include <chrono>

#include "core/log.hpp"

namespace parley::store {

bool parse_settings_notification(const std::string& payload, std::string& name, std::int64_t& version) {
  const auto colon = payload.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == payload.size()) return false;
  const auto* first = payload.data() + colon + 1;
  const auto* last = payload.data() + payload.size();
  const auto [p, ec] = std::from_chars(first, last, version);
  if (ec != std::errc() || p != last) return false;
  name = payload.substr(0, colon);
  return true;
}

SettingsListener::SettingsListener(std::string url, Notified notified, Resync resync)
    : url_(std::move(url)), notified_(std::move(notified)), resync_(std::move(resync)) {}

SettingsListener::~SettingsListener() {
  stop();
}

void SettingsListener::start() {
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void SettingsListener::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

namespace {

// Waits up to `ms` for the socket to become readable; false on error.
bool wait_readable(int fd, int ms) {
  pollfd p{fd, POLLIN, 0};
  const int r = ::poll(&p, 1, ms);
  return r >= 0;
}

void sleep_unless_stopping(const std::atomic<bool>& stopping, std::chrono::milliseconds total) {
  const auto until = std::chrono::steady_clock::now() + total;
  while (!stopping && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
}

}  // namespace

void SettingsListener::run() {
  auto backoff = std::chrono::milliseconds(250);
  bool first = true;
  // A reload that failed is repeated (at most once a second) until every document could be read.
  bool resync_pending = false;
  auto next_resync = std::chrono::steady_clock::now();
  while (!stopping_) {
    PGconn* conn = PQconnectdb(url_.c_str());
    if (PQstatus(conn) != CONNECTION_OK) {
      log::warn("Settings listener cannot connect to PostgreSQL (retrying): {}", PQerrorMessage(conn));
      PQfinish(conn);
      sleep_unless_stopping(stopping_, backoff);
      backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
      continue;
    }
    // The server's goodbye (FATAL on a restart) is handled below, not printed to stderr.
    PQsetNoticeProcessor(
        conn, [](void*, const char*) {}, nullptr);
    PGresult* r = PQexec(conn, "LISTEN parley_settings");
    const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok) {
      log::warn("Settings listener: LISTEN failed (retrying): {}", PQerrorMessage(conn));
      PQfinish(conn);
      sleep_unless_stopping(stopping_, backoff);
      continue;
    }
    backoff = std::chrono::milliseconds(250);
    listening_ = true;
    // Whatever changed while no listener was connected is read again (not on the very first connect:
    // start-up has just read everything).
    if (!first) {
      log::info("Settings listener reconnected; reloading every settings document");
      resync_pending = true;
    }
    first = false;
    const int fd = PQsocket(conn);
    while (!stopping_) {
      if (resync_requested_.exchange(false)) resync_pending = true;
      if (resync_pending && std::chrono::steady_clock::now() >= next_resync) {
        resync_pending = !resync_();
        next_resync = std::chrono::steady_clock::now() + std::chrono::seconds(1);
        if (!resync_pending) log::info("Settings documents reloaded from PostgreSQL");
      }
      if (!wait_readable(fd, 200)) break;
      if (!PQconsumeInput(conn)) break;
      while (PGnotify* n = PQnotifies(conn)) {
        std::string name;
        std::int64_t version = 0;
        if (parse_settings_notification(n->extra, name, version) && !notified_(name, version)) {
          resync_pending = true;
        }
        PQfreemem(n);
      }
      if (PQstatus(conn) != CONNECTION_OK) break;
    }
    PQfinish(conn);
    if (!stopping_) {
      log::warn("Settings listener lost its PostgreSQL connection; reconnecting");
      sleep_unless_stopping(stopping_, backoff);
    }
  }
}

}  // namespace parley::store
