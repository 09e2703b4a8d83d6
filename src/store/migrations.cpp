#include "store/migrations.hpp"

#include <algorithm>

#include "core/clock.hpp"

namespace parley::store {

namespace {

bool has_migrations_table(SqlConnection& c, Repository::Kind kind) {
  if (kind == Repository::Kind::sqlite) {
    return !c.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
                .empty();
  }
  return !c.query(
               "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND "
               "table_name = 'schema_migrations'")
              .empty();
}

bool has_any_table(SqlConnection& c, Repository::Kind kind) {
  if (kind == Repository::Kind::sqlite) return !c.query("SELECT 1 FROM sqlite_master LIMIT 1").empty();
  return !c.query("SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() LIMIT 1")
              .empty();
}

const std::vector<Migration>& migrations_of(Repository::Kind kind) {
  return kind == Repository::Kind::sqlite ? sqlite_migrations() : postgres_migrations();
}

// Holds PostgreSQL's session-level advisory lock of the migrations for the lifetime of the object.
class MigrationLock {
 public:
  MigrationLock(SqlConnection& c, Repository::Kind kind) : c_(c), held_(kind == Repository::Kind::postgres) {
    if (held_) c_.query("SELECT pg_advisory_lock(7243001)");  // any constant every parley shares
  }
  ~MigrationLock() {
    if (!held_) return;
    try {
      c_.query("SELECT pg_advisory_unlock(7243001)");
    } catch (const DatabaseError&) {
      // The connection is gone, and the lock with its session.
    }
  }
  MigrationLock(const MigrationLock&) = delete;
  MigrationLock& operator=(const MigrationLock&) = delete;

 private:
  SqlConnection& c_;
  bool held_;
};

}  // namespace

int latest_schema_version(Repository::Kind kind) {
  int latest = 0;
  for (const auto& m : migrations_of(kind)) latest = std::max(latest, m.version);
  return latest;
}

MigrationPlan plan_migrations(SqlConnection& c, Repository::Kind kind) {
  MigrationPlan plan;
  plan.target = latest_schema_version(kind);
  plan.empty_database = !has_any_table(c, kind);
  std::vector<int> recorded;
  if (has_migrations_table(c, kind)) {
    for (const auto& row : c.query("SELECT version FROM schema_migrations ORDER BY version"))
      recorded.push_back(static_cast<int>(row.integer(0)));
  }
  const auto& list = migrations_of(kind);
  for (const int v : recorded) {
    plan.current = std::max(plan.current, v);
    if (std::none_of(list.begin(), list.end(), [v](const Migration& m) { return m.version == v; }))
      plan.unknown.push_back(v);
  }
  for (const auto& m : list) {
    if (std::find(recorded.begin(), recorded.end(), m.version) == recorded.end()) plan.pending.push_back(&m);
  }
  return plan;
}

std::vector<int> apply_migrations(SqlConnection& c, Repository::Kind kind) {
  // Replicas starting together: the first takes the lock and migrates (creating schema_migrations too, which
  // two sessions must not do at once), the others wait and then find every version recorded.
  MigrationLock lock(c, kind);
  c.execute_script(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
      "applied_at TEXT NOT NULL)");
  std::vector<int> applied;
  for (const auto& m : migrations_of(kind)) {
    Transaction tx(c);
    if (!c.query("SELECT 1 FROM schema_migrations WHERE version = ?", {std::int64_t{m.version}}).empty()) {
      continue;
    }
    try {
      m.apply(c);
    } catch (const DatabaseError& e) {
      throw DatabaseError("migration " + std::to_string(m.version) + " (" + m.description +
                          ") failed: " + e.what());
    }
    c.query("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
            {std::int64_t{m.version}, format_iso_utc_z(std::chrono::system_clock::now())});
    tx.commit();
    applied.push_back(m.version);
  }
  return applied;
}

}  // namespace parley::store
