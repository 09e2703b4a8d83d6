// Repository basics: conversations and login sessions (store/login_session_repository.hpp).
#include "store/sql_repository.hpp"

#include "core/clock.hpp"
#include "core/json.hpp"

namespace parley::store {

SystemTime parse_stored_time(const std::optional<std::string>& text) {
  if (!text) return SystemTime{};
  return parse_timestamp(*text).value_or(SystemTime{});
}

SqlRepository::SqlRepository(Kind kind, std::unique_ptr<ConnectionPool> pool, WallClock clock)
    : kind_(kind),
      pool_(std::move(pool)),
      clock_(std::move(clock)),
      group_(kind_ == Kind::sqlite ? std::make_unique<GroupCommit>(*pool_) : nullptr),
      hit_sessions_(kind_ == Kind::sqlite ? std::make_unique<MessageSessionCache>() : nullptr) {}

std::string SqlRepository::now_sql() const {
  return format_sql_utc(clock_());
}

std::string SqlRepository::timestamp_text(std::string_view column) const {
  if (kind_ == Kind::sqlite) return std::string(column);
  return "to_char(" + std::string(column) + ", 'YYYY-MM-DD HH24:MI:SS')";
}

bool SqlRepository::ping() {
  try {
    auto c = pool_->reader();
    return !c->query("SELECT 1").empty();
  } catch (const DatabaseError&) {
    return false;
  }
}

void SqlRepository::insert_conversation_if_missing(SqlConnection& c, const std::string& session_id,
                                                   const std::string& now) {
  c.query(
      "INSERT INTO conversations (session_id, created_at, updated_at) VALUES (?, ?, ?) "
      "ON CONFLICT (session_id) DO NOTHING",
      {session_id, now, now});
}

bool SqlRepository::ensure_conversation(const std::string& session_id) {
  auto c = pool_->writer();
  Transaction tx(*c);
  const bool existed = !c->query("SELECT 1 FROM conversations WHERE session_id = ?", {session_id}).empty();
  if (!existed) insert_conversation_if_missing(*c, session_id, now_sql());
  tx.commit();
  return existed;
}

std::optional<Conversation> SqlRepository::find_conversation(const std::string& session_id) {
  auto c = pool_->reader();
  const auto rows = c->query("SELECT session_id, title, " + timestamp_text("created_at") + ", " +
                                 timestamp_text("updated_at") + " FROM conversations WHERE session_id = ?",
                             {session_id});
  if (rows.empty()) return std::nullopt;
  const auto& r = rows.front();
  Conversation out{r.text(0), r.at(1), parse_stored_time(r.at(2)), parse_stored_time(r.at(3))};
  if (out.updated_at == SystemTime{}) out.updated_at = out.created_at;
  return out;
}

bool SqlRepository::set_title(const std::string& session_id, const std::optional<std::string>& title) {
  auto c = pool_->writer();
  const auto rows = c->query(
      "UPDATE conversations SET title = ?, updated_at = ? WHERE session_id = ? "
      "RETURNING session_id",
      {optional_text(title), now_sql(), session_id});
  return !rows.empty();
}

std::vector<BlobTombstone> SqlRepository::delete_conversation(const std::string& session_id) {
  auto c = pool_->writer();
  Transaction tx(*c);
  std::vector<BlobTombstone> tombstones;
  const auto rows =
      c->query("SELECT storage_path, coalesce(storage_backend, 'gcs') FROM attachments WHERE session_id = ?",
               {session_id});
  const auto now = now_sql();
  for (const auto& r : rows) {
    tombstones.push_back({r.text(0), r.text(1), 0});
    c->query(
        "INSERT INTO blob_tombstones (storage_key, storage_backend, created_at, attempts) VALUES (?, ?, ?, "
        "0) "
        "ON CONFLICT (storage_backend, storage_key) DO NOTHING",
        {r.text(0), r.text(1), now});
  }
  // Messages, attachment rows and events go with the conversation (ON DELETE CASCADE); SQLite's search
  // entries follow through the messages delete trigger, PostgreSQL's live in the message rows.
  c->query("DELETE FROM conversations WHERE session_id = ?", {session_id});
  tx.commit();
  return tombstones;
}

// Login sessions

void SqlRepository::create_session(const std::string& token_hash, SystemTime created_at,
                                   SystemTime expires_at, const std::string& user_agent) {
  auto c = pool_->writer();
  c->query(
      "INSERT INTO auth_sessions (token_hash, created_at, expires_at, last_seen_at, user_agent) "
      "VALUES (?, ?, ?, ?, ?)",
      {token_hash, format_sql_utc(created_at), format_sql_utc(expires_at), format_sql_utc(created_at),
       user_agent});
}

std::optional<SystemTime> SqlRepository::find_session(const std::string& token_hash) {
  auto c = pool_->reader();
  const auto rows = c->query(
      "SELECT " + timestamp_text("expires_at") + " FROM auth_sessions WHERE token_hash = ?", {token_hash});
  if (rows.empty()) return std::nullopt;
  return parse_stored_time(rows.front().at(0));
}

void SqlRepository::touch_session(const std::string& token_hash, SystemTime seen_at) {
  auto c = pool_->writer();
  c->query("UPDATE auth_sessions SET last_seen_at = ? WHERE token_hash = ?",
           {format_sql_utc(seen_at), token_hash});
}

void SqlRepository::delete_session(const std::string& token_hash) {
  auto c = pool_->writer();
  c->query("DELETE FROM auth_sessions WHERE token_hash = ?", {token_hash});
}

void SqlRepository::delete_all_sessions() {
  auto c = pool_->writer();
  c->query("DELETE FROM auth_sessions");
}

int SqlRepository::delete_expired_sessions(SystemTime now) {
  auto c = pool_->writer();
  const auto rows =
      c->query("DELETE FROM auth_sessions WHERE expires_at < ? RETURNING token_hash", {format_sql_utc(now)});
  return static_cast<int>(rows.size());
}

}  // namespace parley::store
