#include "store/open_repository.hpp"

#include "core/atomic_file.hpp"

#include "store/migrations.hpp"
#include "store/postgres_connection.hpp"
#include "store/sql_repository.hpp"
#include "store/sqlite_connection.hpp"
#include "store/wal_checkpointer.hpp"

namespace parley::store {

std::filesystem::path pre_migration_backup_path(const std::filesystem::path& database, int version) {
  std::filesystem::path candidate = database.string() + ".v" + std::to_string(version) + ".bak";
  std::error_code ec;
  if (!std::filesystem::exists(candidate, ec)) return candidate;
  std::string stamp = format_iso_utc_z(std::chrono::system_clock::now());
  for (auto& ch : stamp) {
    if (ch == ':') ch = '-';
  }
  for (int n = 0;; ++n) {
    candidate = database.string() + ".v" + std::to_string(version) + "." + stamp +
                (n ? "." + std::to_string(n) : std::string()) + ".bak";
    if (!std::filesystem::exists(candidate, ec)) return candidate;
  }
}

OpenedRepository open_sqlite_repository(const std::filesystem::path& path, std::size_t readers,
                                        WallClock clock, bool backup_before_migrate) {
  // Created 0600 before SQLite opens it (SQLite gives its -wal and -shm files the database's mode); files of
  // earlier versions that others could read are made private too.
  ensure_private_file(path);
  for (const char* suffix : {"-wal", "-shm", "-journal"}) {
    std::error_code ec;
    const std::filesystem::path companion = path.string() + suffix;
    if (std::filesystem::exists(companion, ec))
      std::filesystem::permissions(
          companion, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, ec);
  }
  // Shared by the pool's factory, so it outlives every connection it is attached to.
  auto checkpointer = std::make_shared<WalCheckpointer>(path);
  auto pool = std::make_unique<ConnectionPool>(
      [path, checkpointer]() -> std::unique_ptr<SqlConnection> {
        auto c = std::make_unique<SqliteConnection>(path);
        checkpointer->attach(c->handle());
        return c;
      },
      readers, true);
  std::vector<int> applied;
  std::filesystem::path backup;
  {
    auto writer = pool->writer();
    if (backup_before_migrate) {
      const auto plan = plan_migrations(*writer, Repository::Kind::sqlite);
      if (!plan.empty_database && !plan.pending.empty()) {
        backup = pre_migration_backup_path(path, plan.current);
        try {
          sqlite_backup(path, backup);
        } catch (const DatabaseError& e) {
          throw DatabaseError(std::string("cannot keep a copy before migrating (set "
                                          "PARLEY_DB_BACKUP_BEFORE_MIGRATE=0 to migrate without one): ") +
                              e.what());
        }
      }
    }
    applied = apply_migrations(*writer, Repository::Kind::sqlite);
  }
  return {std::make_unique<SqlRepository>(Repository::Kind::sqlite, std::move(pool), std::move(clock)),
          std::move(applied), std::move(backup)};
}

OpenedRepository open_postgres_repository(const std::string& url, std::size_t connections, WallClock clock) {
  auto pool = std::make_unique<ConnectionPool>(
      [url]() -> std::unique_ptr<SqlConnection> { return std::make_unique<PostgresConnection>(url); },
      connections, false);
  std::vector<int> applied;
  {
    auto writer = pool->writer();
    applied = apply_migrations(*writer, Repository::Kind::postgres);
  }
  return {std::make_unique<SqlRepository>(Repository::Kind::postgres, std::move(pool), std::move(clock)),
          std::move(applied),
          {}};
}

OpenedRepository open_repository(const Config& config, bool backup_before_migrate) {
  if (config.database_kind == DatabaseKind::postgres) return open_postgres_repository(config.postgres_url);
  return open_sqlite_repository(config.sqlite_path, 4, system_wall_clock(), backup_before_migrate);
}

std::string describe_database(const Config& config) {
  if (config.database_kind == DatabaseKind::sqlite) return "SQLite database " + config.sqlite_path.string();
  // postgres://user:secret@host/db -> postgres://user@host/db
  std::string url = config.postgres_url;
  const auto scheme = url.find("://");
  const auto at = url.find('@');
  if (scheme != std::string::npos && at != std::string::npos && at > scheme) {
    const auto colon = url.find(':', scheme + 3);
    if (colon != std::string::npos && colon < at) url.erase(colon, at - colon);
  }
  const auto query = url.find('?');
  if (query != std::string::npos) url.erase(query);
  return "PostgreSQL database " + url;
}

}  // namespace parley::store
