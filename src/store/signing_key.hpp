// The key of the file-URL signatures and the OAuth state (api.md §4.5): PARLEY_SIGNING_KEY when set; else
// data/signing.key with SQLite; else, with PostgreSQL, the settings row `signing_key` that every replica
// reads, so a URL one replica signed is valid on all of them. The row is created once, by the first replica
// to start, from data/signing.key when that file exists (an install that grew from one machine keeps its
// URLs).
#pragma once

#include <string>

#include "core/config.hpp"
#include "core/warnings.hpp"

namespace parley::store {

class PostgresDocumentStore;

// 64+ hex digits, or empty (after a warning) when the stored key is unusable. `table` is null with SQLite.
// Throws DatabaseError when the settings table cannot be read or written.
std::string load_or_create_signing_key(const Config& config, PostgresDocumentStore* table,
                                       Warnings& warnings);

}  // namespace parley::store
