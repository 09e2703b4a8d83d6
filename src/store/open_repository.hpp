// Opening the history store selected by the configuration (api.md §5.1), with the migrations applied.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/config.hpp"
#include "store/repository.hpp"

namespace parley::store {

struct OpenedRepository {
  std::unique_ptr<Repository> repository;
  std::vector<int> applied_migrations;  // versions applied by this open
  // SQLite: the copy of the database taken before migrating it (empty when none was needed or wanted).
  std::filesystem::path backup;
};

// Throws DatabaseError with a readable reason (file not writable, server unreachable, migration failed).
// `clock` stamps the rows the repository writes (tests hand in one they set). Before migrating a database
// that has tables, SQLite's file is copied next to it as <file>.v<old version>.bak (online backup, WAL
// included) unless `backup_before_migrate` is false (PARLEY_DB_BACKUP_BEFORE_MIGRATE=0).
OpenedRepository open_sqlite_repository(const std::filesystem::path& path, std::size_t readers = 4,
                                        WallClock clock = system_wall_clock(),
                                        bool backup_before_migrate = true);
OpenedRepository open_postgres_repository(const std::string& url, std::size_t connections = 4,
                                          WallClock clock = system_wall_clock());
OpenedRepository open_repository(const Config& config, bool backup_before_migrate = true);

// Where the copy before migrating from `version` goes: <db>.v<version>.bak, or with a UTC time stamp added
// when that name is taken (an earlier attempt's copy is kept).
std::filesystem::path pre_migration_backup_path(const std::filesystem::path& database, int version);

// Where the configuration says the data is, for messages: the SQLite path, or the PostgreSQL URL without
// its password.
std::string describe_database(const Config& config);

}  // namespace parley::store
