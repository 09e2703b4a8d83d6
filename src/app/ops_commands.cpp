// Commands for operators: `parley migrate [--dry-run]`, `parley restore FILE` and `parley doctor`.
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/commands.hpp"
#include "app/home_lock.hpp"
#include "blob/gcs_blob_store.hpp"
#include "blob/local_blob_store.hpp"
#include "blob/s3_blob_store.hpp"
#include "core/atomic_file.hpp"
#include "core/blocking.hpp"
#include "core/clock.hpp"
#include "core/document_store.hpp"
#include "core/dotenv.hpp"
#include "core/ids.hpp"
#include "core/redact.hpp"
#include "core/warnings.hpp"
#include "mcp/command_line_client.hpp"
#include "mcp/oauth/token_store.hpp"
#include "net/http_client.hpp"
#include "store/migrations.hpp"
#include "store/open_repository.hpp"
#include "store/postgres_connection.hpp"
#include "store/settings_table.hpp"
#include "store/signing_key.hpp"
#include "store/sqlite_connection.hpp"

namespace parley::app {
namespace fs = std::filesystem;
namespace asio = boost::asio;

bool backup_before_migrate(const Config& config) {
  std::string value;
  if (const char* v = std::getenv("PARLEY_DB_BACKUP_BEFORE_MIGRATE")) {
    value = v;
  } else {
    std::error_code ec;
    if (auto text = read_file(config.home / ".env", ec)) {
      for (const auto& e : parse_dotenv(*text).entries) {
        if (e.key == "PARLEY_DB_BACKUP_BEFORE_MIGRATE") value = e.value;
      }
    }
  }
  return !(value == "0" || value == "false" || value == "no");
}

namespace {

std::string utc_stamp() {
  std::string stamp = format_iso_utc_z(std::chrono::system_clock::now());
  for (auto& c : stamp) {
    if (c == ':') c = '-';
  }
  return stamp;
}

void print_plan(const store::MigrationPlan& plan, const std::string& where) {
  std::cout << where << ": schema version " << plan.current << "; this parley's is " << plan.target << ".\n";
  if (!plan.unknown.empty()) {
    std::cout << "Recorded versions unknown to this parley (written by a newer one):";
    for (const int v : plan.unknown) std::cout << " " << v;
    std::cout << "\n";
  }
  if (plan.pending.empty()) {
    std::cout << "No migration would run; the schema is up to date.\n";
    return;
  }
  std::cout << plan.pending.size() << " migration(s) would run:\n";
  for (const auto* m : plan.pending) std::cout << "  " << m->version << "  " << m->description << "\n";
}

}  // namespace

int migrate_database(bool dry_run) {
  auto config = load_config_or_report();
  if (!config) return 2;
  const auto where = store::describe_database(*config);
  if (dry_run) {
    try {
      store::MigrationPlan plan;
      if (config->database_kind == DatabaseKind::postgres) {
        store::PostgresConnection c(config->postgres_url);
        plan = store::plan_migrations(c, store::Repository::Kind::postgres);
      } else if (std::error_code ec; !fs::exists(config->sqlite_path, ec)) {
        std::cout << where << ": no database yet; it would be created.\n";
        plan.target = store::latest_schema_version(store::Repository::Kind::sqlite);
        for (const auto& m : store::sqlite_migrations()) plan.pending.push_back(&m);
      } else {
        store::SqliteConnection c(config->sqlite_path, store::SqliteConnection::Mode::read_only);
        plan = store::plan_migrations(c, store::Repository::Kind::sqlite);
      }
      print_plan(plan, where);
      if (config->database_kind == DatabaseKind::sqlite && !plan.empty_database && !plan.pending.empty()) {
        std::cout << (backup_before_migrate(*config)
                          ? "A copy would be kept first as " +
                                store::pre_migration_backup_path(config->sqlite_path, plan.current).string() +
                                ".\n"
                          : std::string(
                                "No copy would be kept first (PARLEY_DB_BACKUP_BEFORE_MIGRATE=0).\n"));
      }
      std::cout << "Dry run: nothing was changed.\n";
      return plan.unknown.empty() ? 0 : 1;
    } catch (const store::DatabaseError& e) {
      std::cerr << "parley migrate: " << where << ": " << e.what() << "\n";
      return 1;
    }
  }
  try {
    const auto opened = store::open_repository(*config, backup_before_migrate(*config));
    if (!opened.backup.empty())
      std::cout << "Kept a copy of the database before migrating it: " << opened.backup.string() << "\n";
    std::cout << "Applied " << opened.applied_migrations.size() << " migration(s) to the " << where
              << "; the schema is up to date.\n";
    return 0;
  } catch (const store::DatabaseError& e) {
    std::cerr << "parley migrate: " << where << ": " << e.what() << "\n";
    return 1;
  }
}

namespace {

void remove_with_companions(const fs::path& db) {
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) fs::remove(db.string() + suffix, ec);
}

// Every check of the candidate copy; empty when it may replace the database.
std::string restore_candidate_problem(const fs::path& candidate, int& version) {
  try {
    store::SqliteConnection c(candidate, store::SqliteConnection::Mode::read_only);
    const auto problems = store::sqlite_integrity_problems(c);
    if (!problems.empty()) {
      std::string text = "it fails SQLite's integrity check (" + std::to_string(problems.size()) +
                         " problem(s)); first: " + problems.front();
      return text;
    }
    const auto plan = store::plan_migrations(c, store::Repository::Kind::sqlite);
    if (plan.empty_database) return "it holds no tables (not a parley database)";
    if (!plan.unknown.empty() || plan.current > plan.target) {
      return "its schema version " + std::to_string(plan.current) + " is newer than this parley's (" +
             std::to_string(plan.target) + "); restore it with the parley that wrote it";
    }
    if (c.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'messages'").empty())
      return "it has no messages table (not a parley database)";
    version = plan.current;
    return {};
  } catch (const store::DatabaseError& e) {
    return std::string("SQLite cannot read it: ") + e.what();
  }
}

}  // namespace

int restore_database(const std::string& file) {
  auto config = load_config_or_report();
  if (!config) return 2;
  if (config->database_kind == DatabaseKind::postgres) {
    std::cerr << "parley restore replaces SQLite databases only. For PostgreSQL restore a pg_dump with "
                 "pg_restore (docs/operations.md, \"Backups and restore\"), e.g.:\n"
              << "  pg_restore --clean --if-exists --dbname=\"$PARLEY_DATABASE_URL\" " << file << "\n";
    return 2;
  }
  const fs::path source(file);
  std::error_code ec;
  if (!fs::is_regular_file(source, ec)) {
    std::cerr << "parley restore: refused: " << file << " is not a file\n";
    return 1;
  }
  if (const auto problem = store::sqlite_header_problem(source); !problem.empty()) {
    std::cerr << "parley restore: refused: " << problem << "\n";
    return 1;
  }
  if (std::uintmax_t wal = fs::file_size(source.string() + "-wal", ec); !ec && wal > 0) {
    std::cerr << "parley restore: refused: " << file << "-wal beside it holds changes not in " << file
              << "; make the backup with `parley backup`, or open it once with sqlite3 to fold them in\n";
    return 1;
  }
  HomeLock lock(config->home / "data");
  if (lock.state() == HomeLock::State::held_by_other) {
    const auto pid = lock.holder();
    std::cerr << "parley restore: refused: a parley server is running on " << config->home.string() << " ("
              << (pid.empty() ? std::string() : "pid " + pid + " ")
              << "holds data/.parley.lock); stop it first, then restore\n";
    return 1;
  }
  if (lock.state() != HomeLock::State::held_by_us) {
    std::cerr << "parley restore: cannot create " << lock.path().string() << "\n";
    return 1;
  }
  const fs::path db = config->sqlite_path;
  if (auto dir_ec = create_private_directories(db.parent_path())) {
    std::cerr << "parley restore: cannot create " << db.parent_path().string() << ": " << dir_ec.message()
              << "\n";
    return 1;
  }
  // The copy is checked where it will be renamed from, so the swap is one rename on one file system.
  const fs::path candidate = db.string() + ".restoring";
  remove_with_companions(candidate);
  if (!fs::copy_file(source, candidate, fs::copy_options::overwrite_existing, ec)) {
    std::cerr << "parley restore: cannot copy " << file << " to " << candidate.string() << ": "
              << ec.message() << "\n";
    return 1;
  }
  fs::permissions(candidate, fs::perms::owner_read | fs::perms::owner_write, ec);
  int version = 0;
  if (const auto problem = restore_candidate_problem(candidate, version); !problem.empty()) {
    remove_with_companions(candidate);
    std::cerr << "parley restore: refused: " << file << ": " << problem << "; nothing was changed\n";
    return 1;
  }
  fs::path aside;
  std::string aside_note;
  if (fs::exists(db, ec)) {
    aside = db.string() + ".before-restore-" + utc_stamp();
    try {
      // Folds the current WAL into the file (no server runs: the lock is ours), so the rename below leaves
      // no write-ahead log of the old database beside the new one, and keeps a consistent copy aside.
      {
        store::SqliteConnection current(db);
        current.query("PRAGMA wal_checkpoint(TRUNCATE)");
      }
      store::sqlite_backup(db, aside);
    } catch (const store::DatabaseError& e) {
      // The current database is unreadable (often why it is being restored): it is kept aside as it is, the
      // file by a hard link (the swap below then replaces only the name) and its WAL and shm by a rename.
      remove_with_companions(aside);
      std::error_code link_ec;
      fs::create_hard_link(db, aside, link_ec);
      if (link_ec) fs::copy_file(db, aside, fs::copy_options::overwrite_existing, link_ec);
      if (link_ec) {
        remove_with_companions(candidate);
        std::cerr << "parley restore: cannot keep the current database aside as " << aside.string() << ": "
                  << link_ec.message() << "; nothing was changed\n";
        return 1;
      }
      for (const char* suffix : {"-wal", "-shm"}) {
        if (fs::exists(db.string() + suffix, ec))
          fs::rename(db.string() + suffix, aside.string() + suffix, ec);
      }
      aside_note = std::string(" as it was (SQLite could not read it: ") + e.what() + ")";
    }
  }
  for (const char* suffix : {"-wal", "-shm"}) fs::remove(db.string() + suffix, ec);
  fs::rename(candidate, db, ec);
  if (ec) {
    remove_with_companions(candidate);
    std::cerr << "parley restore: cannot move the backup into place: " << ec.message() << "\n";
    return 1;
  }
  for (const char* suffix : {"-wal", "-shm"}) fs::remove(candidate.string() + suffix, ec);
  std::cout << "Restored " << file << " into " << db.string() << " (schema version " << version
            << "; parley applies newer migrations when it next starts).\n";
  if (!aside.empty())
    std::cout << "The previous database is kept as " << aside.string() << aside_note << "\n";
  return 0;
}

// ---------------------------------------------------------------------------------------------------------
// parley doctor

namespace {

class Report {
 public:
  void ok(const std::string& what, const std::string& detail) { line("ok", what, detail); }
  void warn(const std::string& what, const std::string& detail) {
    ++warnings_;
    line("WARN", what, detail);
  }
  void fail(const std::string& what, const std::string& detail) {
    ++failures_;
    line("FAIL", what, detail);
  }
  void note(const std::string& text) { std::cout << "       " << global_redactor().redact(text) << "\n"; }
  [[nodiscard]] int failures() const { return failures_; }
  [[nodiscard]] int warnings() const { return warnings_; }
  [[nodiscard]] int checks() const { return checks_; }

 private:
  void line(const char* status, const std::string& what, const std::string& detail) {
    ++checks_;
    std::string tag = std::string("[") + status + "]";
    tag.resize(7, ' ');
    // Anything a server or the file system said passes the redactor: no configured secret is printed.
    std::cout << tag << what << ": " << global_redactor().redact(detail) << "\n";
  }
  int failures_ = 0;
  int warnings_ = 0;
  int checks_ = 0;
};

std::string mode_text(fs::perms p) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(p) & 07777u);
  return buf;
}

bool private_mode(fs::perms p) {
  return (p & (fs::perms::group_all | fs::perms::others_all)) == fs::perms::none;
}

void check_configuration(const Config& config, Report& report) {
  report.ok("configuration", "loaded (environment over " + (config.home / ".env").string() + ")");
  report.note("home: " + config.home.string());
  report.note("listen: " + config.host + ":" + std::to_string(config.port));
  report.note("database: " + store::describe_database(config));
  report.note("storage: " + config.storage +
              (config.storage == "local" ? " (" + config.blob_dir.string() + ")" : std::string()));
  report.note("upstream: " + config.openrouter_base_url);
  report.note(std::string("OPENROUTER_API_KEY: ") +
              (config.openrouter_api_key.empty() ? "not set" : "******"));
  report.note(std::string("PARLEY_AUTH_TOKEN: ") + (config.auth_token.empty() ? "not set" : "******"));
  if (!config.deepgram_api_key.empty()) report.note("DEEPGRAM_API_KEY: ******");
  if (!config.s3_secret_access_key.empty()) report.note("S3_SECRET_ACCESS_KEY: ******");
  if (!config.public_url.empty()) report.note("public URL: " + config.public_url);
  report.note("default model: " + config.default_model);
}

struct UpstreamAnswer {
  std::optional<std::chrono::system_clock::time_point> date;  // the upstream's Date header
};

std::optional<std::chrono::system_clock::time_point> parse_http_date(std::string_view text) {
  std::tm tm{};
  const std::string s(text);
  if (!::strptime(s.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm)) return std::nullopt;
  return std::chrono::system_clock::from_time_t(::timegm(&tm));
}

UpstreamAnswer check_upstream(const Config& config, Report& report) {
  UpstreamAnswer answer;
  if (config.openrouter_api_key.empty()) {
    report.fail("upstream",
                "OPENROUTER_API_KEY is not set; chat turns cannot reach " + config.openrouter_base_url);
    return answer;
  }
  asio::io_context ioc;
  net::HttpClient http(ioc);
  net::ClientRequest request;
  std::string base = config.openrouter_base_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  request.url = base + "/models";
  request.headers.set("Authorization", "Bearer " + config.openrouter_api_key);
  request.connect_timeout = std::chrono::seconds(5);
  request.read_timeout = std::chrono::seconds(10);
  request.max_body_bytes = 16 * 1024 * 1024;  // a models list; anything larger is not an answer to trust
  std::optional<Result<net::ClientResponse, net::TransportError>> result;
  asio::co_spawn(
      ioc, [&]() -> asio::awaitable<void> { result.emplace(co_await http.fetch(std::move(request))); },
      asio::detached);
  ioc.run();
  const std::string what = "upstream " + base;
  if (!result || !result->has_value()) {
    report.fail(what, "unreachable: " + (result ? result->error().message : std::string("no answer")) +
                          " (check the network, a proxy, or OPENROUTER_BASE_URL)");
    return answer;
  }
  const auto& response = **result;
  if (auto date = response.headers.get("date")) answer.date = parse_http_date(*date);
  if (response.status == 401 || response.status == 403) {
    report.fail(what, "the API key was rejected (HTTP " + std::to_string(response.status) +
                          " from GET /models); set a valid OPENROUTER_API_KEY");
  } else if (response.status != 200) {
    report.fail(what, "GET /models answered HTTP " + std::to_string(response.status));
  } else {
    std::size_t models = 0;
    boost::system::error_code jec;
    auto doc = boost::json::parse(response.body, jec);
    if (!jec && doc.is_object()) {
      if (const auto* data = doc.as_object().if_contains("data"); data && data->is_array())
        models = data->as_array().size();
    }
    report.ok(what, "reachable with the key (" + std::to_string(models) + " models)");
  }
  return answer;
}

void check_database(const Config& config, Report& report) {
  const auto where = store::describe_database(config);
  try {
    store::MigrationPlan plan;
    if (config.database_kind == DatabaseKind::postgres) {
      store::PostgresConnection c(config.postgres_url);
      plan = store::plan_migrations(c, store::Repository::Kind::postgres);
    } else {
      std::error_code ec;
      if (!fs::exists(config.sqlite_path, ec)) {
        report.warn("database", where + " does not exist yet (parley serve creates it)");
        return;
      }
      if (const auto problem = store::sqlite_header_problem(config.sqlite_path); !problem.empty()) {
        report.fail("database", problem);
        return;
      }
      store::SqliteConnection c(config.sqlite_path, store::SqliteConnection::Mode::read_only);
      const auto problems = store::sqlite_integrity_problems(c, true);
      if (!problems.empty()) {
        report.fail("database", where + " fails SQLite's quick_check: " + problems.front() +
                                    " (restore a backup: parley restore FILE)");
        return;
      }
      plan = store::plan_migrations(c, store::Repository::Kind::sqlite);
    }
    if (!plan.unknown.empty()) {
      report.fail("database", where + " has schema version " + std::to_string(plan.current) +
                                  ", newer than this parley's " + std::to_string(plan.target) +
                                  " (it was written by a newer parley)");
    } else if (!plan.pending.empty() && !plan.empty_database) {
      report.warn("database", where + ": schema version " + std::to_string(plan.current) + ", " +
                                  std::to_string(plan.pending.size()) +
                                  " migration(s) pending (parley serve or parley migrate applies them)");
    } else {
      report.ok("database", where + ": schema version " + std::to_string(plan.target) + ", up to date" +
                                (config.database_kind == DatabaseKind::sqlite ? ", quick_check ok" : ""));
    }
  } catch (const store::DatabaseError& e) {
    report.fail("database", where + ": " + e.what());
  }
}

void check_storage(const Config& config, Report& report) {
  asio::io_context ioc;
  net::HttpClient http(ioc);
  BlockingPool blocking(1);
  std::unique_ptr<blob::BlobStore> store;
  if (config.storage == "gcs") {
    store = std::make_unique<blob::GcsBlobStore>(
        blob::GcsSettings{config.gcs_bucket_name, config.gcs_endpoint, config.google_application_credentials},
        http);
  } else if (config.storage == "s3") {
    store = std::make_unique<blob::S3BlobStore>(
        blob::S3Settings{config.s3_endpoint, config.s3_bucket, config.s3_region, config.s3_access_key_id,
                         config.s3_secret_access_key, config.s3_force_path_style},
        http);
  } else {
    // The key local URLs are signed with, as parley serve loads it (creating data/signing.key on a new home).
    std::string key_hex;
    try {
      Warnings warnings;
      std::unique_ptr<store::PostgresDocumentStore> table;
      if (config.database_kind == DatabaseKind::postgres)
        table = std::make_unique<store::PostgresDocumentStore>(config.postgres_url);
      key_hex = store::load_or_create_signing_key(config, table.get(), warnings);
    } catch (const store::DatabaseError& e) {
      report.fail("storage (local)", std::string("cannot read the URL signing key: ") + e.what());
      return;
    }
    store = std::make_unique<blob::LocalBlobStore>(
        config.blob_dir, key_hex.empty() ? std::string() : from_hex(key_hex), false, blocking);
  }
  const std::string what = "storage (" + config.storage + ")";
  if (const auto missing = store->missing_configuration(); !missing.empty()) {
    report.fail(what, "not configured: " + missing);
    return;
  }
  const std::string key = "parley-doctor-" + new_uuid_hex() + ".txt";
  const std::string bytes = "parley doctor round trip\n";
  std::string problem;
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        if (auto put = co_await store->put_new(key, bytes, "text/plain"); !put) {
          problem = "put failed: " + put.error().message;
          co_return;
        }
        auto got = co_await store->read(key);
        if (!got) {
          problem = "get failed: " + got.error().message;
        } else if (*got != bytes) {
          problem = "get returned other bytes than were put";
        }
        if (auto removed = co_await store->remove(key); !removed && problem.empty())
          problem = "delete failed: " + removed.error().message;
      },
      asio::detached);
  ioc.run();
  blocking.stop();
  blocking.join();
  if (problem.empty()) {
    report.ok(what, "put, get and delete of a small object succeeded");
  } else {
    report.fail(what, problem);
  }
}

void check_mcp_servers(const Config& config, Report& report) {
  std::unique_ptr<DocumentStore> definitions;
  if (config.database_kind == DatabaseKind::postgres) {
    definitions = std::make_unique<store::PostgresDocumentStore>(config.postgres_url);
  } else {
    definitions = std::make_unique<FileDocumentStore>(
        std::map<std::string, fs::path, std::less<>>{{"mcp_servers", config.mcp_servers_path}});
  }
  // OAuth tokens of remote servers where serve keeps them: settings rows, or data/mcp_oauth/.
  std::shared_ptr<mcp::oauth::TokenStore> tokens;
  if (config.database_kind == DatabaseKind::postgres) {
    tokens = std::make_shared<mcp::oauth::TokenRows>(*definitions);
  } else {
    tokens = std::make_shared<mcp::oauth::TokenFiles>(config.mcp_servers_path.parent_path() / "mcp_oauth");
  }
  std::string problem;
  const auto probes =
      mcp::probe_configured_servers(config, definitions.get(), tokens, std::chrono::seconds(20), problem);
  if (!problem.empty()) {
    report.fail("MCP servers", problem);
    return;
  }
  if (probes.empty()) {
    report.ok("MCP servers", "none configured (" + definitions->where("mcp_servers") + ")");
    return;
  }
  for (const auto& p : probes) {
    const std::string what = "MCP server " + p.id;
    if (!p.enabled) {
      report.ok(what, "disabled, not started");
    } else if (p.tools) {
      report.ok(what, "started, " + std::to_string(*p.tools) + " tool(s)");
    } else {
      report.fail(what, "did not start: " + p.error);
    }
  }
}

void check_permissions(const Config& config, Report& report) {
  std::error_code ec;
  const fs::path data = config.home / "data";
  std::vector<std::string> problems;
  if (fs::is_directory(data, ec)) {
    const auto p = fs::status(data, ec).permissions();
    if (!private_mode(p)) problems.push_back(data.string() + " is " + mode_text(p) + " (want 0700)");
  }
  // Files that hold secrets or the history: readable by the owner only.
  std::vector<fs::path> files = {config.home / ".env"};
  if (!config.google_application_credentials.empty()) files.push_back(config.google_application_credentials);
  if (fs::is_directory(data, ec)) {
    std::size_t seen = 0;
    for (auto it = fs::recursive_directory_iterator(data, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator() && seen < 20000; it.increment(ec), ++seen) {
      if (it->is_symlink(ec)) {
        it.disable_recursion_pending();
        continue;
      }
      if (it->is_directory(ec) && it.depth() == 0 && it->path().filename() == "blobs") continue;
      if (it->is_regular_file(ec)) files.push_back(it->path());
    }
  }
  for (const auto& f : files) {
    const auto st = fs::symlink_status(f, ec);
    if (ec || !fs::is_regular_file(st)) continue;
    if (!private_mode(st.permissions()))
      problems.push_back(f.string() + " is " + mode_text(st.permissions()) + " (want 0600)");
  }
  if (problems.empty()) {
    report.ok("file permissions", "data/ is private and its files (and .env) are 0600");
    return;
  }
  for (const auto& p : problems) report.fail("file permissions", p + "; chmod it (it may hold secrets)");
}

void check_clock(const UpstreamAnswer& upstream, Report& report) {
  const auto now = std::chrono::system_clock::now();
  const auto text = format_iso_utc_z(now);
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  if (tm.tm_year + 1900 < 2024 || tm.tm_year + 1900 > 2100) {
    report.fail("clock", "the system time " + text + " is implausible; signed URLs and logins depend on it");
    return;
  }
  if (!upstream.date) {
    report.ok("clock", text + " (no upstream Date header to compare with)");
    return;
  }
  const auto skew = std::chrono::duration_cast<std::chrono::seconds>(now - *upstream.date).count();
  if (skew > 120 || skew < -120) {
    report.fail("clock", text + " is " + std::to_string(skew) +
                             " s off the upstream's clock; signed URLs (GCS, S3) fail with 403 (check NTP)");
  } else {
    report.ok("clock",
              text + ", within " + std::to_string(skew < 0 ? -skew : skew) + " s of the upstream's clock");
  }
}

}  // namespace

int doctor() {
  std::cout << "parley doctor (parley " << PARLEY_VERSION << ")\n";
  auto config = load_config_or_report();
  if (!config) {
    std::cout << "[FAIL] configuration: invalid (see above)\n";
    return 1;
  }
  Report report;
  check_configuration(*config, report);
  const auto upstream = check_upstream(*config, report);
  check_database(*config, report);
  check_storage(*config, report);
  check_mcp_servers(*config, report);
  check_permissions(*config, report);
  check_clock(upstream, report);
  std::cout << "\n"
            << report.checks() << " checks: " << report.failures() << " failed, " << report.warnings()
            << " warning(s)\n";
  return report.failures() > 0 ? 1 : 0;
}

}  // namespace parley::app
