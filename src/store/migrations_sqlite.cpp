// SQLite migrations. Version 1 accepts a file of an earlier server (the first four tables, some columns
// missing, no schema_migrations): it adds what is missing before creating indexes on it and never rewrites
// existing rows except to backfill conversations.updated_at.
#include <set>

#include "core/json.hpp"
#include "store/migrations.hpp"
#include "store/search_text.hpp"

namespace parley::store {

namespace {

std::set<std::string> columns_of(SqlConnection& c, const std::string& table) {
  std::set<std::string> names;
  for (const auto& row : c.query("SELECT name FROM pragma_table_info(?)", {table})) names.insert(row.text(0));
  return names;
}

void add_missing_columns(SqlConnection& c, const std::string& table,
                         const std::vector<std::pair<std::string, std::string>>& wanted) {
  const auto existing = columns_of(c, table);
  for (const auto& [name, type] : wanted) {
    if (!existing.count(name)) c.execute_script("ALTER TABLE " + table + " ADD COLUMN " + name + " " + type);
  }
}

void core_tables(SqlConnection& c) {
  c.execute_script(R"sql(
CREATE TABLE IF NOT EXISTS conversations (
  session_id TEXT PRIMARY KEY,
  created_at DATETIME DEFAULT CURRENT_TIMESTAMP,
  timezone TEXT,
  title TEXT,
  updated_at DATETIME);
CREATE TABLE IF NOT EXISTS messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  session_id TEXT NOT NULL REFERENCES conversations(session_id) ON DELETE CASCADE,
  role TEXT NOT NULL,
  content TEXT,
  tool_call_id TEXT,
  metadata TEXT,
  client_message_id TEXT,
  parent_client_message_id TEXT,
  created_at DATETIME DEFAULT CURRENT_TIMESTAMP);
CREATE TABLE IF NOT EXISTS attachments (
  attachment_id TEXT PRIMARY KEY,
  session_id TEXT NOT NULL REFERENCES conversations(session_id) ON DELETE CASCADE,
  storage_path TEXT NOT NULL,
  mime_type TEXT NOT NULL,
  size_bytes INTEGER NOT NULL,
  display_url TEXT NOT NULL,
  delivery_url TEXT NOT NULL,
  gcs_blob TEXT,
  signed_url TEXT,
  signed_url_expires_at TEXT,
  metadata TEXT,
  created_at DATETIME DEFAULT CURRENT_TIMESTAMP,
  expires_at DATETIME,
  last_used_at DATETIME DEFAULT CURRENT_TIMESTAMP,
  storage_backend TEXT);
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  session_id TEXT NOT NULL REFERENCES conversations(session_id) ON DELETE CASCADE,
  request_id TEXT,
  kind TEXT NOT NULL,
  payload TEXT,
  created_at DATETIME DEFAULT CURRENT_TIMESTAMP);
)sql");
  // Columns earlier servers added over time (§5.4); ALTER TABLE appends them, as in those servers.
  add_missing_columns(c, "conversations",
                      {{"timezone", "TEXT"}, {"title", "TEXT"}, {"updated_at", "DATETIME"}});
  add_missing_columns(c, "messages", {{"client_message_id", "TEXT"}, {"parent_client_message_id", "TEXT"}});
  add_missing_columns(c, "attachments",
                      {{"gcs_blob", "TEXT"},
                       {"signed_url", "TEXT"},
                       {"signed_url_expires_at", "TEXT"},
                       {"storage_backend", "TEXT"}});
  c.execute_script(R"sql(
CREATE INDEX IF NOT EXISTS idx_messages_session_id ON messages(session_id);
CREATE INDEX IF NOT EXISTS idx_messages_client_message_id ON messages(client_message_id);
CREATE INDEX IF NOT EXISTS idx_messages_parent_client_message_id ON messages(parent_client_message_id);
CREATE INDEX IF NOT EXISTS idx_attachments_session_id ON attachments(session_id);
CREATE INDEX IF NOT EXISTS idx_attachments_last_used_at ON attachments(last_used_at);
CREATE INDEX IF NOT EXISTS idx_conversations_updated_at ON conversations(updated_at DESC, session_id);
CREATE INDEX IF NOT EXISTS idx_messages_session_role_id ON messages(session_id, role, id);
CREATE INDEX IF NOT EXISTS idx_attachments_expires_at ON attachments(expires_at);
UPDATE conversations SET updated_at = coalesce(
    (SELECT max(m.created_at) FROM messages m WHERE m.session_id = conversations.session_id),
    created_at, CURRENT_TIMESTAMP)
  WHERE updated_at IS NULL;
)sql");
}

void search_index(SqlConnection& c) {
  c.execute_script(R"sql(
CREATE VIRTUAL TABLE IF NOT EXISTS messages_fts USING fts5(text, tokenize='unicode61 remove_diacritics 2');
-- Deletes (direct or through the conversations cascade) drop the index entry; inserts are indexed by parley,
-- which extracts the text of structured content.
CREATE TRIGGER IF NOT EXISTS messages_fts_delete AFTER DELETE ON messages BEGIN
  DELETE FROM messages_fts WHERE rowid = old.id;
END;
)sql");
  const auto rows = c.query(
      "SELECT id, content, metadata FROM messages WHERE role IN ('user', 'assistant') AND content IS NOT "
      "NULL "
      "ORDER BY id");
  for (const auto& row : rows) {
    const auto text = stored_searchable_text(row.at(1), row.at(2));
    if (text.empty()) continue;
    c.query("INSERT INTO messages_fts (rowid, text) VALUES (?, ?)", {row.integer(0), text});
  }
}

void auth_and_tombstones(SqlConnection& c) {
  c.execute_script(R"sql(
CREATE TABLE IF NOT EXISTS auth_sessions (
  token_hash TEXT PRIMARY KEY,
  created_at DATETIME NOT NULL,
  expires_at DATETIME NOT NULL,
  last_seen_at DATETIME,
  user_agent TEXT);
CREATE TABLE IF NOT EXISTS blob_tombstones (
  storage_key TEXT NOT NULL,
  storage_backend TEXT NOT NULL,
  created_at DATETIME DEFAULT CURRENT_TIMESTAMP,
  attempts INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (storage_backend, storage_key));
)sql");
}

// The conversation list (§8.1) shows conversations with a user or assistant row. Testing that per
// conversation made every page scan and sort all of them; instead each conversation counts its visible rows
// (kept by triggers, so every path that inserts, deletes or re-roles a row, including cascades and other
// programs writing the file, keeps it right), and partial indexes serve the page, the total and title search.
void visible_message_counts(SqlConnection& c) {
  if (!columns_of(c, "conversations").count("visible_messages"))
    c.execute_script("ALTER TABLE conversations ADD COLUMN visible_messages INTEGER NOT NULL DEFAULT 0");
  c.execute_script(R"sql(
UPDATE conversations SET visible_messages = (SELECT count(*) FROM messages m
  WHERE m.session_id = conversations.session_id AND m.role IN ('user', 'assistant'));
CREATE TRIGGER IF NOT EXISTS messages_visible_insert AFTER INSERT ON messages
  WHEN new.role IN ('user', 'assistant') BEGIN
  UPDATE conversations SET visible_messages = visible_messages + 1 WHERE session_id = new.session_id;
END;
CREATE TRIGGER IF NOT EXISTS messages_visible_delete AFTER DELETE ON messages
  WHEN old.role IN ('user', 'assistant') BEGIN
  UPDATE conversations SET visible_messages = visible_messages - 1 WHERE session_id = old.session_id;
END;
CREATE TRIGGER IF NOT EXISTS messages_visible_update AFTER UPDATE OF role, session_id ON messages
  WHEN (old.role IN ('user', 'assistant')) OR (new.role IN ('user', 'assistant')) BEGIN
  UPDATE conversations SET visible_messages = visible_messages - 1
    WHERE session_id = old.session_id AND old.role IN ('user', 'assistant');
  UPDATE conversations SET visible_messages = visible_messages + 1
    WHERE session_id = new.session_id AND new.role IN ('user', 'assistant');
END;
CREATE INDEX IF NOT EXISTS idx_conversations_visible_updated_at ON conversations(updated_at DESC, session_id)
  WHERE visible_messages > 0;
CREATE INDEX IF NOT EXISTS idx_conversations_hidden ON conversations(session_id) WHERE visible_messages <= 0;
CREATE INDEX IF NOT EXISTS idx_conversations_titled ON conversations(session_id, title, visible_messages)
  WHERE title IS NOT NULL;
-- Search maps full-text hits (message ids) to their conversations: this index is ~25 times denser than
-- the messages table.
CREATE INDEX IF NOT EXISTS idx_messages_id_session ON messages(id, session_id);
ANALYZE conversations;
)sql");
}

// Keys of the OpenAI-compatible API: the SHA-256 hash of each key, never the key.
void api_keys(SqlConnection& c) {
  c.execute_script(R"sql(
CREATE TABLE IF NOT EXISTS api_keys (
  id TEXT PRIMARY KEY,
  key_hash TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  key_prefix TEXT NOT NULL,
  settings TEXT NOT NULL,
  created_at DATETIME NOT NULL,
  revoked_at DATETIME,
  last_used_at DATETIME,
  requests INTEGER NOT NULL DEFAULT 0,
  prompt_tokens INTEGER NOT NULL DEFAULT 0,
  completion_tokens INTEGER NOT NULL DEFAULT 0,
  cost_nanodollars INTEGER NOT NULL DEFAULT 0);
)sql");
}

// FTS5 prefix indexes for 2, 3 and 4 characters. A query's last word of every term is a prefix (§8.1);
// without these FTS5 merges the doclists of every indexed word starting with it, ~0.5 s for a two-letter
// prefix over 1,000,000 messages ("su"*), against ~15 ms with them. FTS5 cannot add the option to an existing
// table, so the index is rebuilt from its own stored text (already the searchable text, no message is
// re-read) under a new name and renamed; the delete trigger is recreated on the new table. Costs ~40 s of CPU
// per million indexed messages once, and the index grows ~3 times (~+290 MB for 1,000,000 messages).
void search_prefix_indexes(SqlConnection& c) {
  c.execute_script(R"sql(
DROP TRIGGER IF EXISTS messages_fts_delete;
DROP TABLE IF EXISTS messages_fts_prefixed;
CREATE VIRTUAL TABLE messages_fts_prefixed USING fts5(text, tokenize='unicode61 remove_diacritics 2',
  prefix='2 3 4');
INSERT INTO messages_fts_prefixed (rowid, text) SELECT rowid, text FROM messages_fts ORDER BY rowid;
DROP TABLE messages_fts;
ALTER TABLE messages_fts_prefixed RENAME TO messages_fts;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
  DELETE FROM messages_fts WHERE rowid = old.id;
END;
)sql");
}

// The SQLite search keeps message id -> conversation in memory (store/message_session_cache.hpp) and trusts
// an entry for as long as no row can have taken an id it read or moved to another conversation. parley
// never does either (ids come from AUTOINCREMENT, above every id used before; no UPDATE of messages.id or
// session_id), but another program writing the file could: these triggers count such writes in
// message_id_watch.changes, and a search that sees the count grow rebuilds the cache. high_id is the largest
// id ever inserted (the sqlite_sequence value, kept here too so that editing that table cannot hide a reuse).
// Costs one single-row UPDATE per message insert.
void message_id_watch(SqlConnection& c) {
  c.execute_script(R"sql(
CREATE TABLE IF NOT EXISTS message_id_watch (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  high_id INTEGER NOT NULL,
  changes INTEGER NOT NULL);
INSERT INTO message_id_watch (id, high_id, changes)
  VALUES (1, max(coalesce((SELECT max(id) FROM messages), 0),
                 coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'messages'), 0)), 0)
  ON CONFLICT (id) DO UPDATE SET high_id = max(high_id, excluded.high_id), changes = changes + 1;
CREATE TRIGGER IF NOT EXISTS messages_id_watch_insert AFTER INSERT ON messages BEGIN
  UPDATE message_id_watch SET changes = changes + (new.id <= high_id), high_id = max(high_id, new.id)
    WHERE id = 1;
END;
CREATE TRIGGER IF NOT EXISTS messages_id_watch_update AFTER UPDATE OF id, session_id ON messages BEGIN
  UPDATE message_id_watch SET changes = changes + 1, high_id = max(high_id, new.id) WHERE id = 1;
END;
)sql");
}

}  // namespace

std::string stored_searchable_text(const std::optional<std::string>& content,
                                   const std::optional<std::string>& metadata) {
  if (!content) return {};
  bool structured = false;
  if (metadata && metadata->find("__structured_content__") != std::string::npos) {
    if (auto meta = json::parse(*metadata); meta && meta->is_object()) {
      const auto* marker = meta->as_object().if_contains("__structured_content__");
      structured = marker && marker->is_bool() && marker->get_bool();
    }
  }
  if (!structured) return *content;
  auto parsed = json::parse(*content);
  return parsed ? searchable_text(*parsed) : *content;
}

const std::vector<Migration>& sqlite_migrations() {
  static const std::vector<Migration> list = {
      {1, "conversations, messages, attachments, events (upgrading earlier servers' files)", core_tables},
      {2, "messages_fts full-text index, filled from existing rows", search_index},
      {3, "auth_sessions and blob_tombstones", auth_and_tombstones},
      {4, "conversations.visible_messages kept by triggers, with list and search indexes",
       visible_message_counts},
      {5, "api_keys of the OpenAI-compatible API (hashed keys, settings, usage)", api_keys},
      {6, "messages_fts rebuilt with prefix indexes (2, 3 and 4 characters) for search",
       search_prefix_indexes},
      {7, "message_id_watch: triggers counting id reuses and session moves, for the search's id cache",
       message_id_watch},
  };
  return list;
}

}  // namespace parley::store
