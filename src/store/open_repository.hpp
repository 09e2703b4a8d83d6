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
};

// Throws DatabaseError with a readable reason (file not writable, server unreachable, migration failed).
// `clock` stamps the rows the repository writes (tests hand in one they set).
OpenedRepository open_sqlite_repository(const std::filesystem::path& path, std::size_t readers = 4,
                                        WallClock clock = system_wall_clock());
OpenedRepository open_postgres_repository(const std::string& url, std::size_t connections = 4,
                                          WallClock clock = system_wall_clock());
OpenedRepository open_repository(const Config& config);

// Where the configuration says the data is, for messages: the SQLite path, or the PostgreSQL URL without
// its password.
std::string describe_database(const Config& config);

}  // namespace parley::store
