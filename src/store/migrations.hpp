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

// Applies the pending migrations in order; returns the versions applied. Throws DatabaseError (naming the
// migration) when one fails; that migration's changes are rolled back.
std::vector<int> apply_migrations(SqlConnection& connection, Repository::Kind kind);

// Used by the migrations and the legacy upgrade: the FTS text of one stored row (user/assistant only).
std::string stored_searchable_text(const std::optional<std::string>& content,
                                   const std::optional<std::string>& metadata);

}  // namespace parley::store
