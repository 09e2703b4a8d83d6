// Target P5 of spec/performance.md on the real repository: load a 10,000-message conversation, list a page
// from 100,000 conversations, full-text search over 1,000,000 messages. Not a test: it prints medians and
// p99 (nearest rank) and, with --json, writes the result in the format of bench/lib/results.mjs.
//
//   history_bench [--postgres URL] [--db PATH] [--runs N] [--json PATH]
// SQLite by default (PATH defaults to tests/.tmp/history-bench.db, git-ignored, built once and reused).
// The load is measured through chat::history_body, the function GET /api/chat/session/{id}/messages
// runs (rows, stored message objects, serialized body).
#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "chat/conversation_history.hpp"
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

struct Timing {
  double median = 0;
  double p99 = 0;
  double cpu_median = 0;  // this thread's CPU time: steadier than wall time on a shared machine
};

double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

// Nearest-rank percentile, as bench/lib/results.mjs.
double percentile(std::vector<double> xs, double p) {
  std::sort(xs.begin(), xs.end());
  const auto rank = static_cast<long>(std::ceil(p / 100.0 * static_cast<double>(xs.size()))) - 1;
  return xs[static_cast<std::size_t>(std::clamp(rank, 0L, static_cast<long>(xs.size()) - 1))];
}

Timing time_ms(int runs, const std::function<void()>& fn) {
  std::vector<double> times, cpu;
  fn();  // warm the cache and the statement caches
  for (int i = 0; i < runs; ++i) {
    const auto start = std::chrono::steady_clock::now();
    const double cpu_start = thread_cpu_ms();
    fn();
    cpu.push_back(thread_cpu_ms() - cpu_start);
    times.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  return {percentile(times, 50), percentile(times, 99), percentile(cpu, 50)};
}

// One decimal, two below 10 (a page of the list takes a few ms).
std::string ms(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f ms", x < 10 ? 2 : 1, x);
  return buf;
}

std::string fixed(double x, int digits = 1) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", digits, x);
  return buf;
}

struct Row {
  std::string measure;
  Timing timing;
  std::string hits;  // matching conversations, for searches
  double target_ms;
};

}  // namespace

int main(int argc, char** argv) {
  std::string postgres_url;
  std::filesystem::path db = std::filesystem::path(__FILE__).parent_path().parent_path().parent_path() /
                             "tests" / ".tmp" / "history-bench.db";
  std::string json_path;
  std::string only;  // run only the measures whose name contains this (for perf record)
  int runs = 21;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--postgres") postgres_url = argv[i + 1];
    if (flag == "--db") db = argv[i + 1];
    if (flag == "--runs") runs = std::stoi(argv[i + 1]);
    if (flag == "--json") json_path = argv[i + 1];
    if (flag == "--only") only = argv[i + 1];
  }
  runs = std::max(runs, 1);
  const auto kind = postgres_url.empty() ? Repository::Kind::sqlite : Repository::Kind::postgres;
  std::unique_ptr<Repository> repo;
  double open_seconds = 0;
  std::string migrated;  // migrations applied by this run's open (a new one back-fills the existing rows)
  const auto open_start = std::chrono::steady_clock::now();
  auto note_migrations = [&migrated](const std::vector<int>& applied) {
    for (const int v : applied) migrated += (migrated.empty() ? "(applied " : ", ") + std::to_string(v);
    if (!migrated.empty()) migrated += ")";
  };
  if (kind == Repository::Kind::sqlite) {
    const bool fresh = !std::filesystem::exists(db);
    // No copy before migrating: the dataset is rebuilt at will, and a copy of it would be timed as the open.
    auto opened = open_sqlite_repository(db, 4, system_wall_clock(), false);
    note_migrations(opened.applied_migrations);
    repo = std::move(opened.repository);
    open_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - open_start).count();
    if (fresh) {
      SqliteConnection c(db);
      build_dataset(c, kind);
      c.execute_script("ANALYZE; PRAGMA wal_checkpoint(TRUNCATE);");
    }
  } else {
    auto opened = open_postgres_repository(postgres_url);
    note_migrations(opened.applied_migrations);
    repo = std::move(opened.repository);
    open_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - open_start).count();
    PostgresConnection c(postgres_url);
    if (c.query("SELECT 1 FROM conversations WHERE session_id = 'long-conversation'").empty()) {
      // The foreign-key checks' plans are cached while conversations is still empty; planned per call, they
      // use the primary key once the table has grown.
      c.execute_script("SET plan_cache_mode = force_custom_plan");
      build_dataset(c, kind);
      c.execute_script("VACUUM ANALYZE");
    }
  }

  const char* backend = kind == Repository::Kind::sqlite ? "SQLite" : "PostgreSQL";
  std::printf("P5 history benchmark (%s, %d conversations, %d + %d messages), median and p99 of %d runs\n",
              backend, conversations + 1, conversations * messages_per_conversation,
              long_conversation_messages, runs);
  std::printf("  open + migrations %s: %.2f s\n", migrated.empty() ? "(none pending)" : migrated.c_str(),
              open_seconds);
  std::vector<Row> results;
  // Times `fn` unless --only excludes the measure; `hits` (run after) names the matching conversations.
  auto measure = [&](const std::string& name, double target_ms, const std::function<void()>& fn,
                     const std::function<std::string()>& hits) {
    if (!only.empty() && name.find(only) == std::string::npos) return;
    Row row{name, time_ms(runs, fn), hits ? hits() : "", target_ms};
    std::printf("  %-62s %8.2f ms  p99 %8.2f ms  cpu %8.2f ms  (target <= %g ms)\n",
                (row.measure + (row.hits.empty() ? "" : " (" + row.hits + " matching)")).c_str(),
                row.timing.median, row.timing.p99, row.timing.cpu_median, row.target_ms);
    std::fflush(stdout);
    results.push_back(std::move(row));
  };
  std::size_t sink = 0;
  // The first text search after the open, timed once before anything else: on SQLite it also builds the
  // search's message id -> conversation cache (one walk of idx_messages_id_session), which the measures
  // below then use. Not in the table (one run, cold).
  if (const std::string first = "first search q=\"tari\" after the open";
      only.empty() || first.find(only) != std::string::npos) {
    ConversationQuery q;
    q.text = "tari";
    const auto start = std::chrono::steady_clock::now();
    const double cpu_start = thread_cpu_ms();
    const auto total = repo->list_conversations(q).total;
    const double cpu = thread_cpu_ms() - cpu_start;
    std::printf("  %-62s %8.2f ms  (one run)          cpu %8.2f ms\n",
                (first + " (" + std::to_string(total) + " matching)").c_str(),
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count(),
                cpu);
    std::fflush(stdout);
  }
  measure("load 10,000-message conversation, rows", 50,
          [&] { sink += repo->load_messages("long-conversation").size(); }, {});
  measure("load 10,000-message conversation, with JSON", 50,
          [&] { sink += chat::history_body(*repo, {}, "long-conversation", {})->size(); }, {});
  for (int offset : {0, 5000}) {
    ConversationQuery q;
    q.offset = offset;
    measure("list page of 50 from 100,001 conversations, offset " + std::to_string(offset), 10,
            [&] { sink += repo->list_conversations(q).conversations.size(); }, {});
  }
  for (const char* text : {"kaloka1", "zozobe9", "tarimi", "tari", "mine su"}) {
    ConversationQuery q;
    q.text = text;
    std::int64_t total = 0;
    measure(
        std::string("search q=\"") + text + "\" over 1,010,000 messages", 100,
        [&] {
          auto page = repo->list_conversations(q);
          total = page.total;
          sink += page.conversations.size();
        },
        [&] { return std::to_string(total); });
  }

  if (!json_path.empty()) {
    std::string markdown =
        "| measure | median | p99 | matching conversations | target | met |\n|---|---:|---:|---:|---:|---|\n";
    boost::json::array summary;
    for (const auto& r : results) {
      const bool met = r.timing.median <= r.target_ms;
      markdown += "| " + r.measure + " | " + ms(r.timing.median) + " | " + ms(r.timing.p99) + " | " +
                  (r.hits.empty() ? "" : r.hits) + " | ≤ " + fixed(r.target_ms, 0) + " ms | " +
                  (met ? "yes" : "**no**") + " |\n";
      summary.push_back({{"id", "P5"},
                         {"measure", r.measure + (r.hits.empty() ? "" : " (" + r.hits + " matching)")},
                         {"figure", ms(r.timing.median)},
                         {"target", "≤ " + fixed(r.target_ms, 0) + " ms"},
                         {"met", met}});
    }
    markdown += "\n" + std::string(backend) + ", " + std::to_string(conversations + 1) + " conversations, " +
                std::to_string(conversations * messages_per_conversation + long_conversation_messages) +
                " messages; median and p99 (nearest rank) of " + std::to_string(runs) +
                " runs after one warm-up run.\n";
    boost::json::object out{{"name", "history"},
                            {"title", std::string("P5 — history (") + backend + ", 100,001 conversations, " +
                                          "1,010,000 messages)"},
                            {"markdown", markdown},
                            {"summary", std::move(summary)},
                            {"plots", boost::json::array{}},
                            {"measured_at", format_iso_utc_z(std::chrono::system_clock::now())}};
    if (const auto dir = std::filesystem::path(json_path).parent_path(); !dir.empty())
      std::filesystem::create_directories(dir);
    std::ofstream file(json_path);
    file << parley::json::serialize(out) << "\n";
    if (!file) {
      std::fprintf(stderr, "cannot write %s\n", json_path.c_str());
      return 1;
    }
  }
  return sink == 0 && only.empty() ? 1 : 0;
}
