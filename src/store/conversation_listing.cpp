// GET /api/chat/conversations (api.md §8.1): the page of conversations with a user or assistant message,
// newest first, optionally filtered by full-text search (SQLite FTS5 / PostgreSQL tsvector) or title.
#include <boost/json.hpp>

#include "core/json.hpp"
#include "store/migrations.hpp"
#include "store/sql_repository.hpp"

namespace parley::store {

namespace {

constexpr std::string_view visible =
    "EXISTS (SELECT 1 FROM messages v WHERE v.session_id = c.session_id AND v.role IN ('user', 'assistant'))";

}  // namespace

std::optional<std::string> SqlRepository::first_user_title(SqlConnection& c, const std::string& session_id) {
  // The first user message with any text; image-only messages are passed over.
  for (std::int64_t after = -1;;) {
    const auto rows = c.query(
        "SELECT id, content, metadata FROM messages WHERE session_id = ? AND role = 'user' AND id > ? "
        "ORDER BY id LIMIT 16",
        {session_id, after});
    for (const auto& r : rows) {
      if (auto title = derived_title(stored_searchable_text(r.at(1), r.at(2)))) return title;
      after = r.integer(0);
    }
    if (rows.size() < 16) return std::nullopt;
  }
}

std::optional<std::string> SqlRepository::last_model(SqlConnection& c, const std::string& session_id) {
  // The LIKE only narrows the rows; the JSON decides.
  for (std::int64_t before = INT64_MAX;;) {
    const auto rows = c.query(
        "SELECT id, metadata FROM messages WHERE session_id = ? AND role = 'assistant' AND id < ? "
        "AND metadata LIKE '%\"model\"%' ORDER BY id DESC LIMIT 16",
        {session_id, before});
    for (const auto& r : rows) {
      before = r.integer(0);
      auto meta = json::parse(r.text(1));
      if (!meta || !meta->is_object()) continue;
      const auto* model = meta->as_object().if_contains("model");
      if (model && model->is_string()) return std::string(model->get_string());
    }
    if (rows.size() < 16) return std::nullopt;
  }
}

ConversationSummary SqlRepository::summarize(SqlConnection& c, const SqlRow& row,
                                             const std::vector<SearchTerm>& terms,
                                             std::optional<std::int64_t> best_message_id) {
  ConversationSummary s;
  s.session_id = row.text(0);
  s.created_at = parse_stored_time(row.at(2));
  s.updated_at = row.at(3) ? parse_stored_time(row.at(3)) : s.created_at;
  s.title = row.at(1) ? row.at(1) : first_user_title(c, s.session_id);
  s.message_count =
      c.query("SELECT count(*) FROM messages WHERE session_id = ? AND role <> 'system'", {s.session_id})
          .front()
          .integer(0);
  s.last_model = last_model(c, s.session_id);
  if (best_message_id && !terms.empty()) {
    const auto best = c.query("SELECT content, metadata FROM messages WHERE id = ?", {*best_message_id});
    if (!best.empty())
      s.snippet = make_snippet(stored_searchable_text(best.front().at(0), best.front().at(1)), terms);
  }
  return s;
}

ConversationPage SqlRepository::list_conversations(const ConversationQuery& query) {
  const bool searching = query.text.has_value();
  const auto terms = searching ? search_terms(*query.text) : std::vector<SearchTerm>{};
  const std::string columns = "c.session_id, c.title, " + timestamp_text("c.created_at") + ", " +
                              timestamp_text("c.updated_at") + ", ";
  std::string sql;
  SqlParams params;
  if (!searching) {
    sql = "SELECT " + columns + "NULL, count(*) OVER () FROM conversations c WHERE " + std::string(visible);
  } else {
    std::string hits;
    if (!terms.empty() && kind_ == Kind::sqlite) {
      hits =
          "hits AS (SELECT m.session_id AS session_id, f.rowid AS best_id, min(f.rank) AS best_rank "
          "FROM messages_fts f JOIN messages m ON m.id = f.rowid WHERE messages_fts MATCH ? "
          "GROUP BY m.session_id), ";
      params.emplace_back(fts5_match_expression(terms));
    } else if (!terms.empty()) {
      hits =
          "hits AS (SELECT DISTINCT ON (session_id) session_id, id AS best_id FROM messages "
          "WHERE search_vector @@ to_tsquery('simple', ?) "
          "ORDER BY session_id, ts_rank(search_vector, to_tsquery('simple', ?)) DESC, id), ";
      const auto expression = tsquery_expression(terms);
      params.emplace_back(expression);
      params.emplace_back(expression);
    }
    const std::string title_match =
        kind_ == Kind::sqlite ? "parley_contains(title, ?)" : "strpos(lower(title), lower(?)) > 0";
    std::string matched = "matched AS (";
    if (!hits.empty()) matched += "SELECT session_id, best_id FROM hits UNION ALL ";
    matched +=
        "SELECT session_id, NULL AS best_id FROM conversations WHERE title IS NOT NULL AND " + title_match;
    if (!hits.empty()) matched += " AND session_id NOT IN (SELECT session_id FROM hits)";
    matched += ")";
    params.emplace_back(*query.text);
    sql = "WITH " + hits + matched + " SELECT " + columns +
          "matched.best_id, count(*) OVER () FROM matched JOIN conversations c ON c.session_id = "
          "matched.session_id "
          "WHERE " +
          std::string(visible);
  }
  sql += " ORDER BY c.updated_at DESC, c.session_id LIMIT ? OFFSET ?";
  params.emplace_back(std::int64_t{query.limit});
  params.emplace_back(std::int64_t{query.offset});

  auto c = pool_->reader();
  auto rows = c->query(sql, params);
  ConversationPage page;
  if (rows.empty() && query.offset > 0) {
    // Past the end: the window count needs one row, so count from the start.
    params[params.size() - 1] = std::int64_t{0};
    params[params.size() - 2] = std::int64_t{1};
    const auto first = c->query(sql, params);
    page.total = first.empty() ? 0 : first.front().integer(5);
    return page;
  }
  if (!rows.empty()) page.total = rows.front().integer(5);
  for (const auto& row : rows) {
    std::optional<std::int64_t> best;
    if (row.at(4)) best = row.integer(4);
    page.conversations.push_back(summarize(*c, row, terms, best));
  }
  return page;
}

std::optional<ConversationSummary> SqlRepository::conversation_summary(const std::string& session_id) {
  auto c = pool_->reader();
  const auto rows =
      c->query("SELECT c.session_id, c.title, " + timestamp_text("c.created_at") + ", " +
                   timestamp_text("c.updated_at") + " FROM conversations c WHERE c.session_id = ?",
               {session_id});
  if (rows.empty()) return std::nullopt;
  return summarize(*c, rows.front(), {}, std::nullopt);
}

}  // namespace parley::store
