// Message rows (api.md §5.3): insert with the structured-content marker and the search index kept in step,
// ordered loading, and the cascading delete of §2.6.
#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <set>

#include "core/clock.hpp"
#include "core/json.hpp"
#include "core/secret_values.hpp"
#include "store/sql_repository.hpp"

namespace parley::store {

namespace {

constexpr std::string_view structured_marker = "__structured_content__";

bool is_indexed_role(std::string_view role) {
  return role == "user" || role == "assistant";
}

// `^[+-]?[0-9]+$` (§2.6); values outside int64 cannot name a row.
std::optional<std::int64_t> numeric_ref(std::string_view ref) {
  if (ref.empty()) return std::nullopt;
  std::size_t start = (ref[0] == '+' || ref[0] == '-') ? 1 : 0;
  if (start == ref.size()) return std::nullopt;
  for (std::size_t i = start; i < ref.size(); ++i) {
    if (ref[i] < '0' || ref[i] > '9') return std::nullopt;
  }
  if (ref[0] == '+') ref.remove_prefix(1);
  std::int64_t value = 0;
  auto [ptr, ec] = std::from_chars(ref.data(), ref.data() + ref.size(), value);
  if (ec != std::errc()) return std::nullopt;
  return value;
}

void scrub_secrets(boost::json::object& object);

// Masks known secret values in every string of `value` (keys are parley's or the provider's names).
void scrub_secrets(boost::json::value& value) {
  if (auto* s = value.if_string()) {
    if (known_secrets().contains_any(*s)) *s = known_secrets().scrubbed(*s);
  } else if (auto* a = value.if_array()) {
    for (auto& item : *a) scrub_secrets(item);
  } else if (auto* o = value.if_object()) {
    scrub_secrets(*o);
  }
}

void scrub_secrets(boost::json::object& object) {
  for (auto& member : object) scrub_secrets(member.value());
}

// Whether JSON text names `key` as a quoted string: a key, or a value (then it is parsed needlessly). A key
// spelled with escapes would not be recognised; parley and the servers before it write keys plainly.
bool names(std::string_view json_text, std::string_view key) {
  for (auto at = json_text.find(key); at != std::string_view::npos; at = json_text.find(key, at + 1)) {
    const auto end = at + key.size();
    if (at > 0 && json_text[at - 1] == '"' && end < json_text.size() && json_text[end] == '"') return true;
  }
  return false;
}

bool metadata_wanted(std::string_view json_text, const std::vector<std::string_view>* keys) {
  if (!keys || names(json_text, structured_marker)) return true;
  return std::any_of(keys->begin(), keys->end(),
                     [json_text](std::string_view k) { return names(json_text, k); });
}

}  // namespace

StoredMessage message_from_row(const SqlRow& r, const std::vector<std::string_view>* metadata_keys) {
  StoredMessage m;
  m.id = r.integer(0);
  m.session_id = r.text(1);
  m.role = r.text(2);
  m.tool_call_id = r.at(4);
  m.client_message_id = r.at(6);
  m.parent_client_message_id = r.at(7);
  m.created_at = parse_stored_time(r.at(8));
  bool structured = false;
  if (const auto& meta_text = r.at(5); meta_text && metadata_wanted(*meta_text, metadata_keys)) {
    // Metadata written by earlier servers is kept readable; a value that is not a JSON object is ignored.
    if (auto meta = json::parse(*meta_text); meta && meta->is_object()) {
      m.metadata = std::move(meta->as_object());
      if (const auto* marker = m.metadata.if_contains(structured_marker)) {
        structured = marker->is_bool() && marker->get_bool();
        m.metadata.erase(structured_marker);
      }
    }
  }
  if (const auto& content = r.at(3)) {
    if (structured) {
      auto parsed = json::parse(*content);
      m.content = parsed ? std::move(*parsed) : boost::json::value(*content);
    } else {
      m.content = boost::json::string(*content);
    }
  }
  return m;
}

std::string SqlRepository::message_columns() const {
  return "id, session_id, role, content, tool_call_id, metadata, client_message_id, "
         "parent_client_message_id, " +
         timestamp_text("created_at");
}

void SqlRepository::index_message(SqlConnection& c, std::int64_t id, const std::string& role,
                                  const std::string& text) {
  if (kind_ != Kind::sqlite || !is_indexed_role(role) || text.empty()) return;
  c.query("INSERT INTO messages_fts (rowid, text) VALUES (?, ?)", {id, text});
}

bool SqlRepository::has_messages(const std::string& session_id) {
  auto c = pool_->reader();
  return !c->query("SELECT 1 FROM messages WHERE session_id = ? LIMIT 1", {session_id}).empty();
}

void SqlRepository::write_grouped(const std::function<void(SqlConnection&)>& write) {
  if (group_) {
    group_->run(write);
    return;
  }
  auto c = pool_->writer();
  Transaction tx(*c);
  write(*c);
  tx.commit();
}

StoredMessage SqlRepository::insert_message(const NewMessage& message) {
  std::optional<StoredMessage> stored;
  write_grouped([&](SqlConnection& c) { stored = insert_row(c, message); });
  return std::move(*stored);
}

bool SqlRepository::open_turn(const std::string& session_id,
                              const std::optional<NewMessage>& system_when_empty,
                              const std::vector<NewMessage>& messages) {
  bool existed = false;
  write_grouped([&](SqlConnection& c) {
    existed = !c.query("SELECT 1 FROM conversations WHERE session_id = ?", {session_id}).empty();
    const bool empty = c.query("SELECT 1 FROM messages WHERE session_id = ? LIMIT 1", {session_id}).empty();
    if (!existed) insert_conversation_if_missing(c, session_id, now_sql());
    if (empty && system_when_empty) insert_row(c, *system_when_empty);
    for (const auto& m : messages) insert_row(c, m);
  });
  return existed;
}

StoredMessage SqlRepository::insert_row(SqlConnection& connection, const NewMessage& message) {
  auto* c = &connection;
  StoredMessage stored = stored_form(message, clock_());

  // No known secret is stored: an upstream error body, a tool result or pasted text can carry one (§0.8).
  scrub_secrets(stored.content);
  scrub_secrets(stored.metadata);

  SqlParam content = nullptr;
  boost::json::object metadata = stored.metadata;
  metadata.erase(structured_marker);
  if (const auto* s = stored.content.if_string()) {
    content = std::string(*s);
  } else if (!stored.content.is_null()) {
    content = json::serialize(stored.content);
    metadata[structured_marker] = true;
  }
  const SqlParam metadata_text = metadata.empty() ? SqlParam(nullptr) : SqlParam(json::serialize(metadata));
  const auto text = is_indexed_role(message.role) ? searchable_text(stored.content) : std::string();
  const auto created = format_sql_utc(stored.created_at);

  insert_conversation_if_missing(*c, message.session_id, created);
  SqlParams params{message.session_id,
                   message.role,
                   content,
                   optional_text(message.tool_call_id),
                   metadata_text,
                   optional_text(message.client_message_id),
                   optional_text(message.parent_client_message_id),
                   created};
  std::string sql =
      "INSERT INTO messages (session_id, role, content, tool_call_id, metadata, client_message_id, "
      "parent_client_message_id, created_at";
  if (kind_ == Kind::postgres) {
    sql += ", search_vector) VALUES (?, ?, ?, ?, ?, ?, ?, ?, to_tsvector('simple', ?)) RETURNING id";
    params.emplace_back(text.empty() ? SqlParam(nullptr) : SqlParam(fold_for_search(text)));
  } else {
    sql += ") VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";
  }
  stored.id = c->query(sql, params).front().integer(0);
  index_message(*c, stored.id, message.role, text);
  c->query("UPDATE conversations SET updated_at = ? WHERE session_id = ?", {created, message.session_id});
  return stored;
}

std::vector<StoredMessage> SqlRepository::load_messages(const std::string& session_id,
                                                        const MessageRange& range) {
  std::vector<StoredMessage> out;
  if (range.limit) out.reserve(static_cast<std::size_t>(*range.limit));
  for_each_message(session_id, range, [&out](StoredMessage& m) {
    out.push_back(std::move(m));
    return true;
  });
  return out;
}

void SqlRepository::for_each_message(const std::string& session_id, const MessageRange& range,
                                     const std::function<bool(StoredMessage&)>& row) {
  auto c = pool_->reader();
  std::string sql =
      "SELECT " + message_columns() + " FROM messages WHERE session_id = ? AND id > ? ORDER BY id";
  SqlParams params{session_id, range.after_id.value_or(std::int64_t{-1})};
  if (range.limit) {
    sql += " LIMIT ?";
    params.emplace_back(std::int64_t{*range.limit});
  }
  // Streamed: each row becomes a StoredMessage as it is read, without a copy of the whole result as text.
  c->for_each_row(sql, params, [&row, keys = range.metadata_keys](const SqlRow& r) {
    auto m = message_from_row(r, keys);
    return row(m);
  });
}

int SqlRepository::delete_message_cascade(const std::string& session_id, const std::string& message_ref) {
  auto c = pool_->writer();
  Transaction tx(*c);
  std::set<std::int64_t> selected;
  std::vector<std::string> frontier;  // client ids whose children are still to be collected
  std::set<std::string> seen_clients;
  auto take = [&](const std::vector<SqlRow>& rows) {
    for (const auto& r : rows) {
      if (!selected.insert(r.integer(0)).second) continue;
      if (const auto& client = r.at(1); client && seen_clients.insert(*client).second)
        frontier.push_back(*client);
    }
  };
  const auto numeric = numeric_ref(message_ref);
  take(c->query(
      "SELECT id, client_message_id FROM messages WHERE session_id = ? AND (client_message_id = ? OR "
      "id = ?)",
      {session_id, message_ref, numeric ? SqlParam(*numeric) : SqlParam(nullptr)}));
  while (!frontier.empty()) {
    const auto parent = frontier.back();
    frontier.pop_back();
    take(c->query(
        "SELECT id, client_message_id FROM messages WHERE session_id = ? AND parent_client_message_id = ?",
        {session_id, parent}));
  }
  if (selected.empty()) return 0;
  for (const auto id : selected) c->query("DELETE FROM messages WHERE id = ?", {id});
  c->query("UPDATE conversations SET updated_at = ? WHERE session_id = ?", {now_sql(), session_id});
  tx.commit();
  return static_cast<int>(selected.size());
}

}  // namespace parley::store
