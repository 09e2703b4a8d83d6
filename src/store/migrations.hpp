// Versioned schema migrations (api.md §5.1): each applied once, inside its own transaction, and recorded in
// schema_migrations. SQLite's list also upgrades files created by earlier servers in place (§5.4).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "store/repository.hpp"
#include "store/sql_connection.hpp"

namespace parley::store {

struct Migration {
  int version;
  std::string description;
  std::function<void(SqlConnection&)> apply;
};

const std::vector<Migration>& sqlite_migrations();
const std::vector<Migration>& postgres_migrations();

// What applying the migrations would do to a database, read without changing it (parley migrate --dry-run,
// the backup before an upgrade, parley restore and parley doctor).
struct MigrationPlan {
  int current = 0;  // the highest version recorded in schema_migrations (0: none, or no such table)
  int target = 0;   // the highest version this binary knows
  bool empty_database = true;             // no table at all (a new file or database): nothing to keep
  std::vector<const Migration*> pending;  // in the order they would run
  std::vector<int> unknown;               // recorded versions this binary does not know (a newer parley's)
};
MigrationPlan plan_migrations(SqlConnection& connection, Repository::Kind kind);
int latest_schema_version(Repository::Kind kind);

// Applies the pending migrations in order; returns the versions applied. Throws DatabaseError (naming the
// migration) when one fails; that migration's changes are rolled back. With PostgreSQL the whole run holds a
// session advisory lock, so replicas starting together migrate one after the other (the later ones find
// nothing left to do).
std::vector<int> apply_migrations(SqlConnection& connection, Repository::Kind kind);

// Used by the migrations and the legacy upgrade: the FTS text of one stored row (user/assistant only).
std::string stored_searchable_text(const std::optional<std::string>& content,
                                   const std::optional<std::string>& metadata);

}  // namespace parley::store
