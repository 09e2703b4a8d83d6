// Target P5 of spec/performance.md on the real repository: load a 10,000-message conversation, list a page
// from 100,000 conversations, full-text search over 1,000,000 messages. Not a test: it prints medians.
//
//   history_bench [--postgres URL] [--db PATH] [--runs N]
// SQLite by default (PATH defaults to tests/.tmp/history-bench.db, git-ignored, built once and reused).
#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/json.hpp"
#include "store/open_repository.hpp"
#include "store/postgres_connection.hpp"
#include "store/search_text.hpp"
#include "store/sqlite_connection.hpp"
#include "store/stored_message_object.hpp"

using namespace parley;
using namespace parley::store;

namespace {

constexpr int conversations = 100000;
constexpr int messages_per_conversation = 10;
constexpr int long_conversation_messages = 10000;

// Pseudo-words with a Zipf-like frequency, so searches hit common and rare words as real text does.
struct Vocabulary {
  std::vector<std::string> words;
  explicit Vocabulary(std::mt19937& rng) {
    const char* syllables[] = {"ka", "lo", "mi", "ne", "su", "ta", "ri",
                               "po", "ve", "da", "gu", "zo", "be", "fi"};
    std::uniform_int_distribution<int> pick(0, 13), length(2, 4);
    for (int i = 0; i < 20000; ++i) {
      std::string w;
      const int n = length(rng);
      for (int k = 0; k < n; ++k) w += syllables[pick(rng)];
      words.push_back(w + std::to_string(i % 97));
    }
  }
  std::string sentence(std::mt19937& rng, int count) const {
    std::string out;
    std::uniform_real_distribution<double> u(0.0, 1.0);
    for (int i = 0; i < count; ++i) {
      // Index ~ 1/x distribution over the vocabulary.
      const auto index = static_cast<std::size_t>(std::pow(static_cast<double>(words.size()), u(rng))) - 1;
      if (!out.empty()) out += ' ';
      out += words[index];
    }
    return out;
  }
};

// Bulk load through a plain connection in large transactions; the repository opens the same file later.
void build_dataset(SqlConnection& c, Repository::Kind kind) {
  std::mt19937 rng(42);
  Vocabulary vocabulary(rng);
  const auto base = std::chrono::system_clock::now() - std::chrono::hours(24 * 365);
  auto insert_message = [&](const std::string& session, const std::string& role, const std::string& text,
                            const std::string& created, const std::string& metadata) {
    std::string sql =
        "INSERT INTO messages (session_id, role, content, metadata, client_message_id, "
        "parent_client_message_id, "
        "created_at";
    SqlParams params{session, role, text, metadata, nullptr, nullptr, created};
    if (kind == Repository::Kind::postgres) {
      sql += ", search_vector) VALUES (?, ?, ?, ?, ?, ?, ?, to_tsvector('simple', ?)) RETURNING id";
      params.emplace_back(fold_for_search(text));
    } else {
      sql += ") VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id";
    }
    const auto id = c.query(sql, params).front().integer(0);
    if (kind == Repository::Kind::sqlite)
      c.query("INSERT INTO messages_fts (rowid, text) VALUES (?, ?)", {id, text});
  };
  const int total = conversations + 1;
  for (int ci = 0; ci < total; ++ci) {
    if (ci % 5000 == 0) {
      if (ci) c.commit();
      c.begin_write();
      std::fprintf(stderr, "\r  building: %d/%d conversations", ci, total);
    }
    const bool long_one = ci == conversations;
    const std::string session = long_one ? "long-conversation" : "conv-" + std::to_string(ci);
    const auto created = format_sql_utc(base + std::chrono::seconds(ci * 300));
    c.query("INSERT INTO conversations (session_id, created_at, updated_at) VALUES (?, ?, ?)",
            {session, created, created});
    const int count = long_one ? long_conversation_messages : messages_per_conversation;
    for (int mi = 0; mi < count; ++mi) {
      const bool user = mi % 2 == 0;
      std::uniform_int_distribution<int> words(user ? 8 : 30, user ? 25 : 120);
      insert_message(
          session, user ? "user" : "assistant", vocabulary.sentence(rng, words(rng)), created,
          user ? ""
               : R"({"finish_reason":"stop","model":"openai/gpt-4o-mini","usage":{"total_tokens":321}})");
    }
  }
  c.commit();
  std::fprintf(stderr, "\r  building: done%30s\n", "");
}

double median_ms(int runs, const std::function<void()>& fn) {
  std::vector<double> times;
  fn();  // warm the cache and the statement caches
  for (int i = 0; i < runs; ++i) {
    const auto start = std::chrono::steady_clock::now();
    fn();
    times.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  std::string postgres_url;
  std::filesystem::path db = std::filesystem::path(__FILE__).parent_path().parent_path().parent_path() /
                             "tests" / ".tmp" / "history-bench.db";
  int runs = 21;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--postgres") postgres_url = argv[i + 1];
    if (flag == "--db") db = argv[i + 1];
    if (flag == "--runs") runs = std::stoi(argv[i + 1]);
  }
  const auto kind = postgres_url.empty() ? Repository::Kind::sqlite : Repository::Kind::postgres;
  std::unique_ptr<Repository> repo;
  if (kind == Repository::Kind::sqlite) {
    const bool fresh = !std::filesystem::exists(db);
    repo = open_sqlite_repository(db).repository;
    if (fresh) {
      SqliteConnection c(db);
      build_dataset(c, kind);
      c.execute_script("ANALYZE; PRAGMA wal_checkpoint(TRUNCATE);");
    }
  } else {
    repo = open_postgres_repository(postgres_url).repository;
    PostgresConnection c(postgres_url);
    if (c.query("SELECT 1 FROM conversations WHERE session_id = 'long-conversation'").empty()) {
      build_dataset(c, kind);
      c.execute_script("VACUUM ANALYZE");
    }
  }

  std::printf("P5 history benchmark (%s, %d conversations, %d + %d messages), median of %d runs\n",
              kind == Repository::Kind::sqlite ? "SQLite" : "PostgreSQL", conversations + 1,
              conversations * messages_per_conversation, long_conversation_messages, runs);
  std::size_t sink = 0;
  const auto load = median_ms(runs, [&] { sink += repo->load_messages("long-conversation").size(); });
  const auto load_json = median_ms(runs, [&] {
    boost::json::array out;
    for (const auto& m : repo->load_messages("long-conversation")) out.push_back(stored_message_object(m));
    sink += json::serialize(out).size();
  });
  std::printf("  load 10,000-message conversation (rows):                 %8.2f ms   (target <= 50 ms)\n",
              load);
  std::printf("  load 10,000-message conversation (rows + JSON response): %8.2f ms   (target <= 50 ms)\n",
              load_json);
  for (int offset : {0, 5000}) {
    ConversationQuery q;
    q.offset = offset;
    const auto ms = median_ms(runs, [&] { sink += repo->list_conversations(q).conversations.size(); });
    std::printf("  list page of 50 from 100,001 conversations, offset %-5d: %8.2f ms   (target <= 10 ms)\n",
                offset, ms);
  }
  for (const char* text : {"kaloka1", "mine su", "zozobe9", "tari"}) {
    ConversationQuery q;
    q.text = text;
    std::int64_t total = 0;
    const auto ms = median_ms(runs, [&] {
      auto page = repo->list_conversations(q);
      total = page.total;
      sink += page.conversations.size();
    });
    std::printf("  search q=%-10s over 1,010,000 messages (%7lld hits):  %8.2f ms   (target <= 100 ms)\n",
                text, static_cast<long long>(total), ms);
  }
  return sink == 0 ? 1 : 0;
}
