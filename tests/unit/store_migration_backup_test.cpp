// The migration plan (parley migrate --dry-run, restore, doctor), the copy kept before migrating a SQLite
// database in place (issue 20), and the SQLite file checks of parley restore.
#include <gtest/gtest.h>

#include <fstream>

#include "store/migrations.hpp"
#include "store/open_repository.hpp"
#include "store/sqlite_connection.hpp"
#include "store_test_support.hpp"

using namespace parley;
using namespace parley::store;

namespace {

std::string count(const std::filesystem::path& db, const std::string& sql) {
  SqliteConnection c(db, SqliteConnection::Mode::read_only);
  return c.query(sql).at(0).text(0);
}

TEST(MigrationPlan, FreshDatabaseHasEverythingPendingAndNothingToKeep) {
  const auto db = test_support::fresh_sqlite_path("plan-fresh");
  SqliteConnection c(db);
  const auto plan = plan_migrations(c, Repository::Kind::sqlite);
  EXPECT_TRUE(plan.empty_database);
  EXPECT_EQ(plan.current, 0);
  EXPECT_EQ(plan.target, latest_schema_version(Repository::Kind::sqlite));
  ASSERT_EQ(plan.pending.size(), sqlite_migrations().size());
  EXPECT_EQ(plan.pending.front()->version, 1);
  // Planning created nothing.
  EXPECT_TRUE(c.query("SELECT name FROM sqlite_master").empty());
}

TEST(MigrationPlan, PartlyMigratedAndNewerDatabases) {
  const auto db = test_support::fresh_sqlite_path("plan-partly");
  { auto opened = open_sqlite_repository(db); }
  SqliteConnection c(db);
  c.query("DELETE FROM schema_migrations WHERE version > 3");
  auto plan = plan_migrations(c, Repository::Kind::sqlite);
  EXPECT_FALSE(plan.empty_database);
  EXPECT_EQ(plan.current, 3);
  ASSERT_EQ(plan.pending.size(), static_cast<std::size_t>(plan.target - 3));
  EXPECT_EQ(plan.pending.front()->version, 4);
  EXPECT_TRUE(plan.unknown.empty());

  c.query("INSERT INTO schema_migrations (version, applied_at) VALUES (99, 'x')");
  plan = plan_migrations(c, Repository::Kind::sqlite);
  EXPECT_EQ(plan.current, 99);
  EXPECT_EQ(plan.unknown, (std::vector<int>{99}));
}

// The copy is taken with the online backup API: rows another connection committed that are still only in
// the write-ahead log are in it.
TEST(MigrationBackup, CopyBeforeMigratingIncludesWalContentAndIsNamedWithTheOldVersion) {
  const auto db = test_support::fresh_sqlite_path("backup-wal");
  { auto opened = open_sqlite_repository(db); }
  SqliteConnection writer(db);
  writer.execute_script("PRAGMA wal_autocheckpoint=0");
  writer.query("DELETE FROM schema_migrations WHERE version >= 6");
  writer.query("INSERT INTO conversations (session_id, title) VALUES ('session_in_wal', 'only in the WAL')");
  std::error_code ec;
  ASSERT_GT(std::filesystem::file_size(db.string() + "-wal", ec), 0u);

  auto opened = open_sqlite_repository(db);
  EXPECT_EQ(opened.applied_migrations, (std::vector<int>{6, 7}));
  EXPECT_EQ(opened.backup, std::filesystem::path(db.string() + ".v5.bak"));
  ASSERT_TRUE(std::filesystem::exists(opened.backup));
  EXPECT_EQ(count(opened.backup, "SELECT title FROM conversations WHERE session_id = 'session_in_wal'"),
            "only in the WAL");
  EXPECT_EQ(count(opened.backup, "SELECT max(version) FROM schema_migrations"), "5");
  EXPECT_EQ(std::filesystem::status(opened.backup).permissions() &
                (std::filesystem::perms::group_all | std::filesystem::perms::others_all),
            std::filesystem::perms::none);
}

TEST(MigrationBackup, NoCopyWhenNothingIsPendingOrWhenToldNot) {
  const auto db = test_support::fresh_sqlite_path("backup-none");
  auto first = open_sqlite_repository(db);
  EXPECT_TRUE(first.backup.empty()) << "a new database has nothing to keep";
  auto second = open_sqlite_repository(db);
  EXPECT_TRUE(second.backup.empty()) << "nothing pending";
  {
    SqliteConnection c(db);
    c.query("DELETE FROM schema_migrations WHERE version = 6");
  }
  auto third = open_sqlite_repository(db, 2, system_wall_clock(), false);
  EXPECT_TRUE(third.backup.empty());
  EXPECT_EQ(third.applied_migrations, (std::vector<int>{6}));
  EXPECT_FALSE(std::filesystem::exists(db.string() + ".v5.bak"));
}

TEST(MigrationBackup, TakenNameGetsATimeStampInsteadOfOverwriting) {
  const auto db = test_support::fresh_sqlite_path("backup-taken");
  EXPECT_EQ(pre_migration_backup_path(db, 3), std::filesystem::path(db.string() + ".v3.bak"));
  std::ofstream(db.string() + ".v3.bak") << "an earlier attempt's copy";
  const auto other = pre_migration_backup_path(db, 3);
  EXPECT_NE(other, std::filesystem::path(db.string() + ".v3.bak"));
  EXPECT_EQ(other.string().rfind(db.string() + ".v3.", 0), 0u);
  EXPECT_EQ(other.extension(), ".bak");
}

TEST(SqliteFileChecks, HeaderAndIntegrity) {
  const auto db = test_support::fresh_sqlite_path("checks");
  { auto opened = open_sqlite_repository(db); }
  EXPECT_EQ(sqlite_header_problem(db), "");
  const auto dir = db.parent_path();
  std::ofstream(dir / "text.db") << "SQLite format 2 is not a thing; this is text";
  EXPECT_NE(sqlite_header_problem(dir / "text.db").find("is not a SQLite database"), std::string::npos);
  std::ofstream(dir / "short.db") << "SQLite";
  EXPECT_NE(sqlite_header_problem(dir / "short.db").find("is not a SQLite database"), std::string::npos);
  std::ofstream(dir / "empty.db");
  EXPECT_NE(sqlite_header_problem(dir / "empty.db").find("is empty"), std::string::npos);
  EXPECT_NE(sqlite_header_problem(dir / "missing.db").find("cannot read"), std::string::npos);
  SqliteConnection c(db, SqliteConnection::Mode::read_only);
  EXPECT_TRUE(sqlite_integrity_problems(c).empty());
  EXPECT_TRUE(sqlite_integrity_problems(c, true).empty());
  EXPECT_THROW(c.query("CREATE TABLE t (x)"), DatabaseError) << "read-only connections do not write";
}

}  // namespace
