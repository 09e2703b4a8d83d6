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

// A database of this test process's own on the server of PARLEY_TEST_POSTGRES_URL, so test processes that
// run at the same time (ctest -j) never reset each other's schema. Null when the variable is unset.
inline const char* postgres_url() {
  static const std::string url = [] {
    const char* base = std::getenv("PARLEY_TEST_POSTGRES_URL");
    if (!base) return std::string();
    std::string b(base);
    const auto query = b.find('?');
    const auto slash = b.rfind('/', query == std::string::npos ? b.size() : query);
    const std::string name = "parley_test_" + std::to_string(::getpid());
    PostgresConnection admin(b);
    // CREATE DATABASE cannot share a transaction with other statements.
    admin.execute_script("DROP DATABASE IF EXISTS " + name);
    admin.execute_script("CREATE DATABASE " + name);
    return b.substr(0, slash + 1) + name + (query == std::string::npos ? "" : b.substr(query));
  }();
  return url.empty() ? nullptr : url.c_str();
}

// Drops everything parley created so each test starts from an empty database.
inline void reset_postgres(const std::string& url) {
  PostgresConnection c(url);
  c.execute_script("DROP SCHEMA public CASCADE; CREATE SCHEMA public;");
}

}  // namespace parley::store::test_support
