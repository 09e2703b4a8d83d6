// GET /api/chat/conversations (api.md §8.1): the page of conversations with a user or assistant message,
// newest first, optionally filtered by full-text search (SQLite FTS5 / PostgreSQL tsvector) or title.
#include <sqlite3.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdint>
#include <functional>

#include "core/json.hpp"
#include "store/message_session_cache.hpp"
#include "store/migrations.hpp"
#include "store/session_index.hpp"
#include "store/sql_repository.hpp"
#include "store/sqlite_connection.hpp"

namespace parley::store {

namespace {

// One read transaction for the total, the page and its summaries, so they describe the same moment
// (SQLite; PostgreSQL's statements each see their own snapshot, as before).
class ReadSnapshot {
 public:
  ReadSnapshot(SqlConnection& c, bool sqlite) : c_(sqlite ? &c : nullptr) {
    if (c_) c_->execute_script("BEGIN");
  }
  ReadSnapshot(const ReadSnapshot&) = delete;
  ReadSnapshot& operator=(const ReadSnapshot&) = delete;
  ~ReadSnapshot() {
    if (c_) c_->rollback();
  }

 private:
  SqlConnection* c_;
};

// How well `text` matches: a BM25-like score of the terms' word-prefix occurrences (first segment of each
// term), without the corpus-wide statistics FTS5's rank needs a pass over every hit for.
double match_score(std::string_view text, const std::vector<SearchTerm>& terms, double average_words,
                   std::size_t* word_count = nullptr) {
  const auto folded = fold_for_search(text);
  std::vector<int> frequency(terms.size(), 0);
  std::size_t words = 0;
  for (std::size_t pos = 0; pos < folded.size();) {
    auto end = folded.find(' ', pos);
    if (end == std::string::npos) end = folded.size();
    const std::string_view word(folded.data() + pos, end - pos);
    ++words;
    for (std::size_t t = 0; t < terms.size(); ++t) {
      const auto& needle = terms[t].front();
      if (word.size() >= needle.size() && word.compare(0, needle.size(), needle) == 0) ++frequency[t];
    }
    pos = end + 1;
  }
  if (word_count) *word_count = words;
  const double length = average_words > 0 ? static_cast<double>(words) / average_words : 1.0;
  double score = 0;
  for (const int f : frequency) score += f / (f + 1.2 * (0.25 + 0.75 * length));
  return score;
}

struct Hit {
  std::uint32_t session;  // index in the SessionIndex
  std::int64_t message_id;
};

// The ids of the messages matching `expression` (FTS5 hands them out in rowid order).
std::vector<std::int64_t> full_text_hits(SqliteConnection& c, const std::string& expression) {
  std::vector<std::int64_t> ids;
  auto* stmt =
      c.statement("SELECT rowid FROM messages_fts WHERE messages_fts MATCH ? ORDER BY rowid", {expression});
  StatementScope scope(stmt);
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) ids.push_back(sqlite3_column_int64(stmt, 0));
  if (rc != SQLITE_DONE) c.step_failed();
  if (!std::is_sorted(ids.begin(), ids.end())) std::sort(ids.begin(), ids.end());
  return ids;
}

// Maps sorted message ids to their conversations through idx_messages_id_session (id, session_id), in one
// walk: close hits are reached by stepping the index (~40 ns an entry), distant ones by a new seek (~0.5 us,
// the per-hit cost of the join this replaces). Ids without a row are dropped, as the join dropped them.
void map_hits_to_sessions(SqliteConnection& c, const std::vector<std::int64_t>& ids, SessionIndex& sessions,
                          std::vector<Hit>& hits) {
  constexpr std::int64_t seek_gap = 8;  // ids ahead beyond which a seek is cheaper than stepping
  auto* walk = c.statement(
      "SELECT id, session_id FROM messages INDEXED BY idx_messages_id_session WHERE id >= ? ORDER BY id");
  StatementScope scope(walk);
  hits.reserve(ids.size());
  std::string last_session;
  std::uint32_t last_index = UINT32_MAX;
  const std::size_t n = ids.size();
  std::size_t i = 0;
  while (i < n) {
    sqlite3_reset(walk);
    if (sqlite3_bind_int64(walk, 1, ids[i]) != SQLITE_OK) c.step_failed();
    bool seek = false;
    int rc = SQLITE_ROW;
    while (!seek && i < n && (rc = sqlite3_step(walk)) == SQLITE_ROW) {
      const std::int64_t id = sqlite3_column_int64(walk, 0);
      while (i < n && ids[i] < id) ++i;  // a hit without a message row
      if (i == n) break;
      if (ids[i] == id) {
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(walk, 1));
        if (text) {
          const std::string_view session(text, static_cast<std::size_t>(sqlite3_column_bytes(walk, 1)));
          // Hits come in message id order, so a conversation's hits mostly follow each other.
          if (last_index == UINT32_MAX || session != last_session) {
            last_index = sessions.add(session);
            last_session.assign(session);
          }
          hits.push_back({last_index, id});
        }
        if (++i == n) break;
      }
      seek = ids[i] - id > seek_gap;
    }
    if (rc == SQLITE_DONE) break;  // no rows past here: the remaining hits have none
    if (rc != SQLITE_ROW) c.step_failed();
  }
}

// Maps the sorted hit ids through the repository's id -> conversation cache (array lookups); the ids it
// does not know (gaps, rows newer than it, or a snapshot it cannot serve) go through map_hits_to_sessions.
// `hits` ends in message id order either way.
void map_hits_with_cache(SqliteConnection& c, MessageSessionCache& cache,
                         const std::vector<std::int64_t>& ids, SessionIndex& sessions,
                         std::vector<Hit>& hits) {
  if (ids.empty()) return;  // nothing to map: no reason to build the cache
  std::vector<std::int64_t> unknown;
  {
    const auto reader = cache.read(c);
    if (!reader) {
      map_hits_to_sessions(c, ids, sessions, hits);
      return;
    }
    std::vector<std::uint32_t> number(reader->conversations(), UINT32_MAX);  // cache's -> `sessions`'
    hits.reserve(ids.size());
    for (const auto id : ids) {
      const auto conversation = reader->conversation(id);
      if (conversation == MessageSessionCache::unknown) {
        unknown.push_back(id);
        continue;
      }
      auto& n = number[conversation];
      if (n == UINT32_MAX) n = sessions.add(reader->session(conversation));
      hits.push_back({n, id});
    }
  }
  if (unknown.empty()) return;
  const auto known = static_cast<std::ptrdiff_t>(hits.size());
  map_hits_to_sessions(c, unknown, sessions, hits);
  std::inplace_merge(hits.begin(), hits.begin() + known, hits.end(),
                     [](const Hit& a, const Hit& b) { return a.message_id < b.message_id; });
}

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

std::string SqlRepository::conversation_columns() const {
  return "c.session_id, c.title, " + timestamp_text("c.created_at") + ", " + timestamp_text("c.updated_at");
}

std::int64_t SqlRepository::visible_conversation_count(SqlConnection& c) {
  // SQLite counts a whole table from its b-tree page headers; the conversations without a visible row are
  // few (a partial index holds them).
  const char* sql = kind_ == Kind::sqlite ? "SELECT (SELECT count(*) FROM conversations) - "
                                            "(SELECT count(*) FROM conversations WHERE visible_messages <= 0)"
                                          : "SELECT count(*) FROM conversations WHERE visible_messages > 0";
  return c.query(sql).front().integer(0);
}

ConversationPage SqlRepository::list_conversations(const ConversationQuery& query) {
  if (query.text) {
    return kind_ == Kind::sqlite ? search_conversations_sqlite(query) : search_conversations_postgres(query);
  }
  auto c = pool_->reader();
  ReadSnapshot snapshot(*c, kind_ == Kind::sqlite);
  ConversationPage page;
  page.total = visible_conversation_count(*c);
  if (query.offset >= page.total) return page;
  // The page is an index walk over idx_conversations_visible_updated_at. The summaries' parts come in the
  // same statement (one round trip instead of three per row, which dominated on PostgreSQL), computed for
  // the page's rows only: the count of non-system rows, the first user row (whose text is the derived title
  // unless it has none) and the newest assistant metadata naming a model. What these leave open (an
  // image-only first message, a model that is not a string) falls back to the loops of summarize.
  const std::string first_user =
      "FROM messages m WHERE c.title IS NULL AND m.session_id = c.session_id AND m.role = 'user' "
      "ORDER BY m.id LIMIT 1)";
  // The inner query reads the index only (formatting the skipped rows' timestamps cost PostgreSQL ~10 us
  // each); the page's 50 rows are joined back.
  const auto rows = c->query(
      "SELECT c.session_id, c.title, " + timestamp_text("c.created_at") + ", " +
          timestamp_text("c.updated_at") +
          ", (SELECT count(*) FROM messages m WHERE m.session_id = c.session_id AND m.role <> 'system'), "
          "(SELECT m.id " +
          first_user + ", (SELECT m.content " + first_user + ", (SELECT m.metadata " + first_user +
          ", (SELECT m.metadata FROM messages m WHERE m.session_id = c.session_id AND m.role = 'assistant' "
          "AND m.metadata LIKE '%\"model\"%' ORDER BY m.id DESC LIMIT 1) "
          "FROM (SELECT v.session_id, v.updated_at AS sort_key FROM conversations v "
          "WHERE v.visible_messages > 0 ORDER BY v.updated_at DESC, v.session_id LIMIT ? OFFSET ?) p "
          "JOIN conversations c ON c.session_id = p.session_id ORDER BY p.sort_key DESC, p.session_id",
      {std::int64_t{query.limit}, std::int64_t{query.offset}});
  for (const auto& row : rows) {
    ConversationSummary s;
    s.session_id = row.text(0);
    s.created_at = parse_stored_time(row.at(2));
    s.updated_at = row.at(3) ? parse_stored_time(row.at(3)) : s.created_at;
    s.message_count = row.integer(4);
    if (row.at(1)) {
      s.title = row.at(1);
    } else if (row.at(5)) {
      s.title = derived_title(stored_searchable_text(row.at(6), row.at(7)));
      if (!s.title) s.title = first_user_title(*c, s.session_id);
    }
    if (row.at(8)) {
      const auto meta = json::parse(*row.at(8));
      const auto* model = meta && meta->is_object() ? meta->as_object().if_contains("model") : nullptr;
      s.last_model = model && model->is_string()
                         ? std::optional<std::string>(std::string(model->get_string()))
                         : last_model(*c, s.session_id);
    }
    page.conversations.push_back(std::move(s));
  }
  return page;
}

// SQLite: the conversations of every full-text hit are collected in one pass over the hits (message id to
// session through the repository's in-memory cache, else the dense idx_messages_id_session), without
// ranking them; the page is then either an
// index walk of the list order that keeps matched conversations (many matches) or a sort of the matched
// ones (few); only the page's conversations choose their best message for the snippet.
ConversationPage SqlRepository::search_conversations_sqlite(const ConversationQuery& query) {
  const auto terms = search_terms(*query.text);
  auto c = pool_->reader();
  ReadSnapshot snapshot(*c, true);

  SessionIndex matched;  // session id -> index
  std::vector<Hit> hits;
  if (!terms.empty()) {
    auto& lite = dynamic_cast<SqliteConnection&>(*c);
    map_hits_with_cache(lite, *hit_sessions_, full_text_hits(lite, fts5_match_expression(terms)), matched,
                        hits);
  }
  c->for_each_row(
      "SELECT session_id FROM conversations INDEXED BY idx_conversations_titled "
      "WHERE title IS NOT NULL AND visible_messages > 0 AND parley_contains(title, ?)",
      {*query.text}, [&](const SqlRow& row) {
        matched.add(*row.at(0));
        return true;
      });

  ConversationPage page;
  page.total = static_cast<std::int64_t>(matched.size());
  if (query.offset >= page.total) return page;

  std::vector<SqlRow> rows;
  const auto wanted = static_cast<std::int64_t>(query.offset) + query.limit;
  const auto visible = static_cast<double>(visible_conversation_count(*c));
  const auto found = static_cast<double>(matched.size());
  // Walking the list order reads about wanted * visible / found rows; sorting the matches reads each one.
  if (static_cast<double>(wanted) * visible / found <= 4 * found) {
    std::int64_t skipped = 0;
    c->for_each_row("SELECT " + conversation_columns() +
                        " FROM conversations c INDEXED BY idx_conversations_visible_updated_at "
                        "WHERE c.visible_messages > 0 ORDER BY c.updated_at DESC, c.session_id",
                    {}, [&](const SqlRow& row) {
                      if (!matched.find(*row.at(0))) return true;
                      if (skipped < query.offset) {
                        ++skipped;
                        return true;
                      }
                      rows.push_back(row);
                      return rows.size() < static_cast<std::size_t>(query.limit);
                    });
  } else {
    boost::json::array ids;
    ids.reserve(matched.size());
    for (std::uint32_t i = 0; i < matched.size(); ++i) ids.emplace_back(matched.at(i));
    rows =
        c->query("SELECT " + conversation_columns() +
                     " FROM conversations c WHERE c.session_id IN (SELECT value FROM json_each(?)) "
                     "AND c.visible_messages > 0 ORDER BY c.updated_at DESC, c.session_id LIMIT ? OFFSET ?",
                 {json::serialize(ids), std::int64_t{query.limit}, std::int64_t{query.offset}});
  }

  // The best of (at most 8 of) each page conversation's hits gives its snippet.
  constexpr std::size_t candidates_per_conversation = 8;
  std::vector<std::int32_t> slot_of(matched.size(), -1);  // session index -> page row
  for (std::size_t i = 0; i < rows.size(); ++i)
    slot_of[*matched.find(*rows[i].at(0))] = static_cast<std::int32_t>(i);
  std::vector<std::vector<std::int64_t>> candidates(rows.size());
  for (const auto& hit : hits) {
    const auto slot = slot_of[hit.session];
    if (slot >= 0 && candidates[static_cast<std::size_t>(slot)].size() < candidates_per_conversation)
      candidates[static_cast<std::size_t>(slot)].push_back(hit.message_id);
  }
  for (std::size_t i = 0; i < rows.size(); ++i) {
    auto summary = summarize(*c, rows[i], terms, std::nullopt);
    std::vector<std::pair<std::int64_t, std::string>> texts;
    for (const auto id : candidates[i]) {
      const auto found_rows = c->query("SELECT content, metadata FROM messages WHERE id = ?", {id});
      if (!found_rows.empty())
        texts.emplace_back(id, stored_searchable_text(found_rows.front().at(0), found_rows.front().at(1)));
    }
    if (!texts.empty()) {
      double average = 0;
      for (const auto& [id, text] : texts) {
        std::size_t words = 0;
        match_score(text, terms, 0, &words);
        average += static_cast<double>(words);
      }
      average /= static_cast<double>(texts.size());
      std::size_t best = 0;
      double best_score = -1;
      for (std::size_t k = 0; k < texts.size(); ++k) {
        const double score = match_score(texts[k].second, terms, average);
        if (score > best_score) {
          best_score = score;
          best = k;
        }
      }
      summary.snippet = make_snippet(texts[best].second, terms);
    }
    page.conversations.push_back(std::move(summary));
  }
  return page;
}

// PostgreSQL: the distinct sessions of the GIN index's hits (no ranking of every hit), plus title matches;
// the best message by ts_rank is chosen for the page's conversations only.
ConversationPage SqlRepository::search_conversations_postgres(const ConversationQuery& query) {
  const auto terms = search_terms(*query.text);
  const auto expression = terms.empty() ? std::string() : tsquery_expression(terms);
  std::string matched = "WITH ";
  SqlParams params;
  if (!terms.empty()) {
    matched +=
        "hits AS (SELECT DISTINCT session_id FROM messages WHERE search_vector @@ to_tsquery('simple', ?)), ";
    params.emplace_back(expression);
  }
  matched += "matched AS (";
  if (!terms.empty()) matched += "SELECT session_id FROM hits UNION ";
  matched +=
      "SELECT session_id FROM conversations WHERE title IS NOT NULL AND visible_messages > 0 "
      "AND strpos(lower(title), lower(?)) > 0) ";
  params.emplace_back(*query.text);

  auto c = pool_->reader();
  auto page_params = params;
  page_params.emplace_back(std::int64_t{query.limit});
  page_params.emplace_back(std::int64_t{query.offset});
  const auto rows = c->query(matched + "SELECT " + conversation_columns() +
                                 ", count(*) OVER () FROM matched JOIN conversations c "
                                 "ON c.session_id = matched.session_id "
                                 "ORDER BY c.updated_at DESC, c.session_id LIMIT ? OFFSET ?",
                             page_params);
  ConversationPage page;
  if (rows.empty()) {
    // Past the end (or nothing matched): the window count needs a row.
    if (query.offset > 0)
      page.total = c->query(matched + "SELECT count(*) FROM matched", params).front().integer(0);
    return page;
  }
  page.total = rows.front().integer(4);
  for (const auto& row : rows) {
    auto summary = summarize(*c, row, terms, std::nullopt);
    if (!terms.empty()) {
      const auto best = c->query(
          "SELECT content, metadata FROM messages WHERE session_id = ? AND search_vector @@ "
          "to_tsquery('simple', ?) ORDER BY ts_rank(search_vector, to_tsquery('simple', ?)) DESC, id LIMIT 1",
          {summary.session_id, expression, expression});
      if (!best.empty())
        summary.snippet = make_snippet(stored_searchable_text(best.front().at(0), best.front().at(1)), terms);
    }
    page.conversations.push_back(std::move(summary));
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
