#include "store/migrations.hpp"

#include "core/clock.hpp"

namespace parley::store {

std::vector<int> apply_migrations(SqlConnection& c, Repository::Kind kind) {
  c.execute_script(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
      "applied_at TEXT NOT NULL)");
  const auto& list = kind == Repository::Kind::sqlite ? sqlite_migrations() : postgres_migrations();
  std::vector<int> applied;
  for (const auto& m : list) {
    Transaction tx(c);
    // Replicas starting together: the first takes the lock and migrates, the others then see it recorded.
    if (kind == Repository::Kind::postgres) c.query("SELECT pg_advisory_xact_lock(7243001)");
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
