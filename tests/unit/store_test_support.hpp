// Builds repositories for the store tests: a temporary SQLite file, or a freshly emptied schema on the
// PostgreSQL server named by PARLEY_TEST_POSTGRES_URL (tests/lib/postgres.sh start prints it).
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "store/open_repository.hpp"
#include "store/postgres_connection.hpp"

namespace parley::store::test_support {

inline std::filesystem::path fresh_sqlite_path(const std::string& name) {
  static std::atomic<int> counter{0};
  auto dir = std::filesystem::temp_directory_path() /
             ("parley-store-" + name + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir / "chat_sessions.db";
}

inline const char* postgres_url() {
  return std::getenv("PARLEY_TEST_POSTGRES_URL");
}

// Drops everything parley created so each test starts from an empty database.
inline void reset_postgres(const std::string& url) {
  PostgresConnection c(url);
  c.execute_script("DROP SCHEMA public CASCADE; CREATE SCHEMA public;");
}

}  // namespace parley::store::test_support
