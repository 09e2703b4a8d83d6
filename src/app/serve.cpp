// `parley serve` and `parley passwd`: load and validate the configuration, wire the object graph, run.
#include <termios.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <optional>
#include <thread>

#include "api/context.hpp"
#include "api/http_policy.hpp"
#include "api/https_redirect.hpp"
#include "api/route_contexts.hpp"
#include "api/routes.hpp"
#include "app/commands.hpp"
#include "app/google_wiring.hpp"
#include "app/home_lock.hpp"
#include "app/login_sessions.hpp"
#include "app/password_row.hpp"
#include "app/preset_tool_servers.hpp"
#include "app/settings_model_view.hpp"
#include "auth/auth_service.hpp"
#include "auth/password.hpp"
#include "auth/password_store.hpp"
#include "blob/gcs_blob_store.hpp"
#include "blob/s3_blob_store.hpp"
#include "chat/attachment_service.hpp"
#include "chat/chat_orchestrator.hpp"
#include "chat/conversation_service.hpp"
#include "chat/openai_completions.hpp"
#include "chat/session_turn_locks.hpp"
#include "core/atomic_file.hpp"
#include "core/blocking.hpp"
#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/document_store.hpp"
#include "core/ids.hpp"
#include "core/log.hpp"
#include "core/log_json.hpp"
#include "core/redact.hpp"
#include "core/warnings.hpp"
#include "google/google_auth.hpp"
#include "google/token_store.hpp"
#include "keys/api_key_service.hpp"
#include "llm/model_catalog.hpp"
#include "llm/openrouter_client.hpp"
#include "mcp/command_line_client.hpp"
#include "mcp/definitions_store.hpp"
#include "mcp/oauth/web_authorizations.hpp"
#include "mcp/tool_aggregator.hpp"
#include "net/connection_limit.hpp"
#include "net/embedded_files.hpp"
#include "net/http_client.hpp"
#include "net/http_server.hpp"
#include "net/outbound_fetcher.hpp"
#include "net/static_files.hpp"
#include "settings/preset_service.hpp"
#include "settings/settings_service.hpp"
#include "store/open_repository.hpp"
#include "store/reaper_lock.hpp"
#include "store/session_locks.hpp"
#include "store/settings_listener.hpp"
#include "store/settings_table.hpp"
#include "store/signing_key.hpp"
#include "store/sqlite_connection.hpp"

namespace parley::app {
namespace fs = std::filesystem;
namespace asio = boost::asio;

std::optional<Config> load_config_or_report() {
  auto loaded = load_config(process_environment());
  if (!loaded.config) {
    std::cerr << "parley: invalid configuration:\n";
    for (const auto& e : loaded.errors) std::cerr << "  - " << e << "\n";
    std::cerr << "Fix the environment or "
              << "<PARLEY_HOME>/.env and start again (parley --help lists every variable).\n";
    return std::nullopt;
  }
  auto& c = *loaded.config;
  if (!c.timezone.empty()) setenv("TZ", c.timezone.c_str(), 1);
  tzset();
  for (const auto& s : c.secret_values()) global_redactor().add_secret(s);
  for (const auto& s : c.log_only_secret_values()) global_redactor().add_log_only(s);
  return std::move(loaded.config);
}

namespace {

bool read_password_from_terminal(const char* prompt, std::string& out) {
  std::cerr << prompt << std::flush;
  termios old{};
  const bool tty = ::tcgetattr(STDIN_FILENO, &old) == 0;
  if (tty) {
    termios silent = old;
    silent.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &silent);
  }
  const bool ok = static_cast<bool>(std::getline(std::cin, out));
  if (tty) {
    ::tcsetattr(STDIN_FILENO, TCSANOW, &old);
    std::cerr << "\n";
  }
  return ok;
}

// Stops the MCP servers (reaping their children) before the io_context stops.
// SIGHUP: the certificate and key are read again on the blocking pool; new connections use the new pair, and
// a pair that does not load is logged and the current one kept.
asio::awaitable<void> reload_tls(std::shared_ptr<net::TlsCertificates> tls, BlockingPool* blocking) {
  // A named local moved into run(), not a temporary inside the co_await (g++ 12 coroutine temporaries).
  auto reload = [tls] { return tls->reload(); };
  auto reloaded = co_await blocking->run(std::move(reload));
  if (!reloaded) {
    log::error("SIGHUP: the TLS certificate was not reloaded ({}); still serving the previous one",
               reloaded.error().message);
    co_return;
  }
  log::info("SIGHUP: TLS certificate reloaded from {} ({}, expires {}, SHA-256 {})",
            tls->cert_file().string(), reloaded->subject, format_iso_utc_z(reloaded->not_after),
            reloaded->sha256_fingerprint);
  if (auto w = net::expiry_warning(*reloaded, std::chrono::system_clock::now()); !w.empty())
    log::warn("{}", w);
}

// Re-arms itself: every SIGHUP reloads.
void on_sighup(asio::signal_set& signals, asio::io_context& ioc, std::shared_ptr<net::TlsCertificates> tls,
               BlockingPool& blocking) {
  signals.async_wait([&signals, &ioc, tls, &blocking](boost::system::error_code ec, int) {
    if (ec) return;
    if (tls) {
      asio::co_spawn(ioc, reload_tls(tls, &blocking), asio::detached);
    } else {
      log::info("SIGHUP: nothing to reload (HTTPS is off); the server goes on");
    }
    on_sighup(signals, ioc, tls, blocking);
  });
}

asio::awaitable<void> stop_tools_then_io(mcp::ToolAggregator* tools, asio::io_context* ioc) {
  co_await tools->stop();
  ioc->stop();
}

// Opens the history store with its migrations applied; nullptr (after logging why) when it cannot be opened.
std::unique_ptr<store::Repository> open_history_or_report(const Config& config) {
  try {
    auto opened = store::open_repository(config, backup_before_migrate(config));
    if (!opened.backup.empty())
      log::info("Kept a copy of the database before migrating it: {}", opened.backup.string());
    if (!opened.applied_migrations.empty()) {
      log::info("Applied {} database migration(s) to the {}", opened.applied_migrations.size(),
                store::describe_database(config));
    }
    return std::move(opened.repository);
  } catch (const store::DatabaseError& e) {
    log::error(
        "Cannot open the {}: {}. Check PARLEY_DATABASE_URL / CHAT_DATABASE_PATH and that the database is "
        "reachable and writable.",
        store::describe_database(config), e.what());
    return nullptr;
  }
}

}  // namespace

int backup_database(const std::string& destination) {
  auto config = load_config_or_report();
  if (!config) return 2;
  if (config->database_kind == DatabaseKind::postgres) {
    std::cerr << "parley backup copies SQLite databases only. For PostgreSQL use pg_dump, e.g.:\n"
              << "  pg_dump --format=custom --file=" << destination << " \"$PARLEY_DATABASE_URL\"\n";
    return 2;
  }
  if (std::filesystem::exists(destination)) {
    std::cerr << "parley backup: " << destination << " already exists; choose a new file name\n";
    return 1;
  }
  try {
    store::sqlite_backup(config->sqlite_path, destination);
  } catch (const store::DatabaseError& e) {
    std::cerr << "parley backup: " << e.what() << "\n";
    return 1;
  }
  std::cout << "Backed up " << config->sqlite_path.string() << " to " << destination << "\n";
  return 0;
}

namespace {

// Where `parley mcp` looks up configured server ids: the settings table with PostgreSQL, else the file.
std::unique_ptr<DocumentStore> definitions_for_cli(const Config& config) {
  if (config.database_kind == DatabaseKind::postgres)
    return std::make_unique<store::PostgresDocumentStore>(config.postgres_url);
  return std::make_unique<FileDocumentStore>(
      std::map<std::string, std::filesystem::path, std::less<>>{{"mcp_servers", config.mcp_servers_path}});
}

// Where OAuth tokens of remote MCP servers are kept: rows of the settings table with PostgreSQL (`table` is
// then the PostgresDocumentStore), else 0600 files in data/mcp_oauth/.
std::shared_ptr<mcp::oauth::TokenStore> oauth_tokens_for(const Config& config, DocumentStore* table) {
  if (config.database_kind == DatabaseKind::postgres && table != nullptr)
    return std::make_shared<mcp::oauth::TokenRows>(*table);
  return std::make_shared<mcp::oauth::TokenFiles>(config.mcp_servers_path.parent_path() / "mcp_oauth");
}

}  // namespace

int mcp_tools(const std::string& server, const std::vector<std::string>& command,
              const mcp::CommandLineOptions& options) {
  auto config = load_config_or_report();
  if (!config) return 2;
  const auto definitions = definitions_for_cli(*config);
  return mcp::print_server_tools(
      *config, {server, command, definitions.get(), oauth_tokens_for(*config, definitions.get())}, options);
}

int mcp_call(const std::string& server, const std::vector<std::string>& command, const std::string& tool,
             const std::string& arguments_json, const mcp::CommandLineOptions& options) {
  auto config = load_config_or_report();
  if (!config) return 2;
  const auto definitions = definitions_for_cli(*config);
  return mcp::call_server_tool(
      *config, {server, command, definitions.get(), oauth_tokens_for(*config, definitions.get())}, tool,
      arguments_json, options);
}

int set_password(bool from_stdin) {
  auto config = load_config_or_report();
  if (!config) return 2;
  std::string password, again;
  if (from_stdin) {
    if (!std::getline(std::cin, password)) {
      std::cerr << "parley passwd: no password on standard input\n";
      return 2;
    }
    if (!password.empty() && password.back() == '\r') password.pop_back();
  } else {
    if (!read_password_from_terminal("New password: ", password) ||
        !read_password_from_terminal("Repeat the password: ", again)) {
      std::cerr << "parley passwd: no password read\n";
      return 2;
    }
    if (password != again) {
      std::cerr << "parley passwd: the two passwords differ; nothing was changed\n";
      return 2;
    }
  }
  if (password.size() < 8) {
    std::cerr << "parley passwd: the password must have at least 8 characters; nothing was changed\n";
    return 2;
  }
  // The hash goes where the server reads it: data/auth.json, or the settings row every replica reads.
  auto history = open_history_or_report(*config);
  if (!history) return 1;
  auth::PasswordFile password_file(config->home / "data" / "auth.json");
  std::unique_ptr<store::PostgresDocumentStore> table;
  std::unique_ptr<app::PasswordRow> password_row;
  auth::PasswordStore* passwords = &password_file;
  if (config->database_kind == DatabaseKind::postgres) {
    table = std::make_unique<store::PostgresDocumentStore>(config->postgres_url);
    password_row = std::make_unique<app::PasswordRow>(*table);
    passwords = password_row.get();
  }
  if (auto ec = passwords->save(auth::hash_password(password))) {
    std::cerr << "parley passwd: cannot write " << passwords->where() << ": " << ec.message() << "\n";
    return 1;
  }
  // Every existing login session ends with the old password (§8.8).
  history->delete_all_sessions();
  std::cout << "Password saved to " << passwords->where() << "; authentication is now required.\n";
  return 0;
}

int serve() {
  // Writing to a pipe whose reader has exited (an MCP child that died) must be an error, not process death.
  std::signal(SIGPIPE, SIG_IGN);
  auto config_opt = load_config_or_report();
  if (!config_opt) return 2;
  const Config& config = *config_opt;

  std::vector<std::string> log_errors;
  const auto log_settings = log::load_settings(config.home, log_errors);
  log::set_format(log::parse_format(config.log_format).value_or(log::Format::text));
  log::init(config.home / "logs" / "app", log_settings);
  for (const auto& e : log_errors) log::warn("{}", e);
  for (const auto& n : config.notices) log::warn("{}", n);
  log::prune_old_logs(config.home / "logs" / "app", log_settings.retention_hours);
  log::prune_old_logs(config.conversation_log_dir, log_settings.retention_hours);

  std::optional<HomeLock> home_lock;
  if (config.database_kind == DatabaseKind::sqlite) {
    home_lock.emplace(config.home / "data");
    if (home_lock->state() == HomeLock::State::held_by_other) {
      log::error(
          "Another parley process is using {} (pid {} holds data/.parley.lock); stop it or use another "
          "PARLEY_HOME",
          (config.home / "data").string(),
          home_lock->holder().empty() ? std::string("unknown") : home_lock->holder());
      return 1;
    }
    if (home_lock->state() != HomeLock::State::held_by_us) {
      log::error("Cannot create {}: check the permissions of the data directory", home_lock->path().string());
      return 1;
    }
  }

  Warnings warnings;
  const auto history = open_history_or_report(config);
  if (!history) return 1;
  // Expired login sessions go at start-up (§5.6); the periodic retention job belongs to the attachments work.
  if (const int gone = history->delete_expired_sessions(std::chrono::system_clock::now()); gone > 0) {
    log::info("Removed {} expired login sessions", gone);
  }
  // Settings documents: data/*.json, or the shared settings table with PostgreSQL (§4, §5.5).
  FileDocumentStore setting_files({{"model_settings", config.model_settings_path},
                                   {"presets", config.presets_path},
                                   {"suggestions", config.suggestions_path},
                                   {"mcp_servers", config.mcp_servers_path}});
  std::unique_ptr<store::PostgresDocumentStore> settings_table;
  DocumentStore* setting_documents = &setting_files;
  if (config.database_kind == DatabaseKind::postgres) {
    settings_table = std::make_unique<store::PostgresDocumentStore>(config.postgres_url);
    try {
      if (settings_table->empty()) {
        store::import_documents(setting_files, *settings_table,
                                {"model_settings", "presets", "suggestions", "mcp_servers"}, warnings);
      }
    } catch (const store::DatabaseError& e) {
      log::error("Cannot read the PostgreSQL settings table: {}", e.what());
      return 1;
    }
    setting_documents = settings_table.get();
  }
  std::string signing_key;
  try {
    signing_key = store::load_or_create_signing_key(config, settings_table.get(), warnings);
  } catch (const store::DatabaseError& e) {
    log::error("Cannot read or create the signing key in the PostgreSQL settings table: {}", e.what());
    return 1;
  }
  if (!signing_key.empty()) global_redactor().add_secret(signing_key);
  // The password of `parley passwd`: data/auth.json, or with PostgreSQL the settings row `auth` (§4.5).
  auth::PasswordFile password_file(config.home / "data" / "auth.json");
  std::unique_ptr<app::PasswordRow> password_row;
  auth::PasswordStore* passwords = &password_file;
  if (settings_table) {
    try {
      app::import_password_file(*settings_table, config.home / "data" / "auth.json");
    } catch (const store::DatabaseError& e) {
      log::error("Cannot import data/auth.json into the PostgreSQL settings table: {}", e.what());
      return 1;
    }
    password_row = std::make_unique<app::PasswordRow>(*settings_table);
    passwords = password_row.get();
  }
  BlockingPool blocking(4);
  LoginSessions login_sessions(*history);
  auth::AuthService auth(config, *passwords, &login_sessions, blocking);
  if (!auth.configured() && !is_loopback_host(config.host) && !config.allow_no_auth) {
    log::error(
        "Refusing to listen on {} without authentication: set PARLEY_AUTH_TOKEN, set a password with "
        "`parley passwd`, or set PARLEY_ALLOW_NO_AUTH=1 to expose an unauthenticated server on purpose",
        config.host);
    return 2;
  }
  if (config.openrouter_api_key.empty()) {
    log::warn(
        "OPENROUTER_API_KEY is not set; chat is unavailable until it is set in the environment or in {}",
        (config.home / ".env").string());
  }

  asio::io_context ioc(config.io_threads);
  mcp::DefinitionsStore mcp_definitions(*setting_documents, config.home, warnings);
  mcp::AggregatorOptions mcp_options;
  mcp_options.tool_timeout = std::chrono::seconds(config.tool_timeout_seconds);
  mcp_options.tool_result_max_bytes = config.tool_result_max_bytes;
  auto mcp_environment = mcp::TransportEnvironment::from_process(config.home);
  // The server's authorizers run on the MCP strand: their token file or row I/O goes to the blocking pool.
  mcp_environment.oauth_tokens = std::make_shared<mcp::oauth::OffloadedTokenStore>(
      oauth_tokens_for(config, settings_table.get()), blocking);
  mcp::ToolAggregator tools(ioc, mcp_options, mcp_environment, mcp_definitions);
  net::HttpClient http_client(ioc);
  llm::OpenRouterClient provider(config, http_client);
  llm::ModelCatalog catalog(provider);
  mcp::oauth::WebAuthorizations mcp_authorizations(ioc.get_executor(), http_client,
                                                   mcp_environment.oauth_tokens);
  settings::SettingsService settings_service(config, warnings, *setting_documents, blocking);
  const bool settings_read = settings_service.load();
  // Other replicas' saves arrive as notifications and are applied here within the 2 s of §5.5.
  std::unique_ptr<store::SettingsListener> settings_listener;
  if (settings_table) {
    settings_listener = std::make_unique<store::SettingsListener>(
        config.postgres_url,
        [&settings_service, &tools, &auth, table = settings_table.get()](const std::string& name,
                                                                         std::int64_t version) {
          if (!table->is_newer(name, version)) return true;  // this replica's own write
          log::info("Settings document {} changed in PostgreSQL (version {}); reloading", name, version);
          if (name == "mcp_servers") {
            tools.reload_definitions();  // retries by itself while the database does not answer
            return true;
          }
          if (name.rfind("google_token:", 0) == 0) return true;  // read from the table on every use
          if (name == "auth") {
            auth.reload_password();  // a failed read keeps the hash read before
            return true;
          }
          return settings_service.reload(name);
        },
        [&settings_service, &tools, &auth] {
          auth.reload_password();
          bool all = true;
          for (const char* name : {"model_settings", "presets", "suggestions"})
            all = settings_service.reload(name) && all;
          tools.reload_definitions();
          return all;
        });
    if (!settings_read) settings_listener->request_resync();
    settings_listener->start();
  }
  app::AggregatorPresetServers preset_servers(tools);
  settings::PresetService presets(settings_service, preset_servers, blocking);
  app::SettingsModelView model_settings(settings_service);
  // With PostgreSQL a session's turns are serialized across replicas too (§3.2 step 1).
  std::unique_ptr<store::SessionLocks> session_locks;
  if (config.database_kind == DatabaseKind::postgres)
    session_locks = std::make_unique<store::SessionLocks>(config.postgres_url);
  chat::SessionTurnLocks turn_locks(session_locks.get(), &blocking);
  chat::AttachmentService attachments(
      config, *history, blocking,
      std::make_unique<blob::LocalBlobStore>(config.blob_dir,
                                             signing_key.empty() ? std::string() : from_hex(signing_key),
                                             !config.public_url.empty(), blocking),
      std::make_unique<blob::GcsBlobStore>(blob::GcsSettings{config.gcs_bucket_name, config.gcs_endpoint,
                                                             config.google_application_credentials},
                                           http_client),
      std::make_unique<blob::S3BlobStore>(
          blob::S3Settings{config.s3_endpoint, config.s3_bucket, config.s3_region, config.s3_access_key_id,
                           config.s3_secret_access_key, config.s3_force_path_style},
          http_client));
  if (const auto missing = attachments.selected().missing_configuration(); !missing.empty()) {
    warnings.add("Attachment storage (" + config.storage + ") is not configured: " + missing +
                 "; uploads answer 503 until it is");
  }
  chat::AggregatorTools turn_tools(tools);
  chat::TurnInteractions turn_interactions;
  net::OutboundFetcher image_downloads(
      http_client,
      {config.image_download_allowed_hosts, std::chrono::seconds(config.image_download_timeout_seconds)});
  // The conversation logs of the chat turns (§6.3); a deleted row or conversation starts its log again.
  chat::ConversationLogBook conversation_logs;
  chat::ChatOrchestrator chat_turns({config, blocking, provider, image_downloads, catalog, *history,
                                     model_settings, turn_locks, &turn_tools, &attachments, nullptr,
                                     &turn_interactions, &conversation_logs});
  chat::ConversationService conversations(*history, blocking, turn_locks, attachments, &conversation_logs);
  // The OpenAI-compatible API: the same turns, with API keys kept in the database (every replica sees them).
  keys::ApiKeyService api_keys(*history, &blocking);
  chat::OpenAiCompletions openai_completions({config, blocking, provider, image_downloads, catalog, *history,
                                              model_settings, turn_locks, &turn_tools, nullptr});

  // What each route group gets (api/route_contexts.hpp).
  api::ApiContext ctx{config, blocking, auth};
  ctx.provider = &provider;
  ctx.catalog = &catalog;
  ctx.settings = &settings_service;
  api::HealthRoutes health_routes{config, warnings, settings_service, conversations};
  health_routes.blocking = &blocking;
  api::AuthRoutes auth_routes{config, auth};
  api::ChatRoutes chat_routes{config, chat_turns, &turn_interactions};
  api::ConversationRoutes conversation_routes{config, conversations};
  api::SettingsRoutes settings_routes{settings_service, catalog};
  api::PresetRoutes preset_routes{presets};
  api::McpRoutes mcp_routes{tools, mcp_authorizations};
  api::AttachmentRoutes attachment_routes{config, attachments};
  api::SttRoutes stt_routes{config, http_client};
  api::OpenAiRoutes openai_routes{api_keys, openai_completions, catalog};
  api::ApiKeyRoutes api_key_routes{api_keys};
  // Google tokens: files under data/tokens/, or with PostgreSQL the settings rows every replica shares
  // (§2.20).
  std::unique_ptr<google::TokenStore> google_tokens;
  if (settings_table)
    google_tokens =
        std::make_unique<google::DocumentTokenStore>(*settings_table, config.home / "data" / "tokens");
  else
    google_tokens = std::make_unique<google::FileTokenStore>(config.home / "data" / "tokens");
  google::GoogleAuth google_auth(google_auth_settings(config, signing_key), *google_tokens, http_client,
                                 &blocking);
  api::GoogleAuthRoutes google_routes{config, google_auth};
  const net::Router router = api::build_router(
      {ctx, health_routes, auth_routes, chat_routes, conversation_routes, settings_routes, preset_routes,
       mcp_routes, attachment_routes, stt_routes, openai_routes, api_key_routes, google_routes});
  const net::StaticFiles ui = config.web_dir ? net::StaticFiles::from_directory(*config.web_dir)
                                             : net::StaticFiles::from_embedded(net::embedded_web_files());
  api::HttpPolicy policy(ctx);

  net::ServerOptions options;
  options.host = config.host;
  options.port = config.port;
  options.normal_body_limit = config.max_body_bytes;
  options.chat_body_limit = config.chat_max_body_bytes;
  options.upload_body_limit = config.attachments_max_size_bytes + 65536;
  options.non_ui_paths = {"/api", "/api/", "/v1", "/v1/", "/health", "/metrics", "/favicon.ico"};
  options.sse_keepalive =
      std::chrono::milliseconds(static_cast<long long>(config.sse_keepalive_seconds * 1000));
  options.header_timeout =
      std::chrono::milliseconds(static_cast<long long>(config.header_timeout_seconds * 1000));
  options.body_timeout =
      std::chrono::milliseconds(static_cast<long long>(config.body_timeout_seconds * 1000));
  // The connection limit is derived from the open-files limit (unless set): first make that as large as the
  // system allows.
  const auto open_files = net::raise_open_files_limit();
  options.max_connections = config.max_connections;
  const auto fitting = net::connection_limit_for(open_files);
  if (config.max_connections > fitting) {
    log::warn(
        "PARLEY_MAX_CONNECTIONS={} is more than the open-files limit ({}) leaves room for (about {}): "
        "accepting "
        "will back off whenever descriptors run out",
        config.max_connections, open_files, fitting);
  }

  // HTTPS served by parley itself: the pair must load now (a broken one stops the start with the reason).
  std::shared_ptr<net::TlsCertificates> tls;
  if (config.tls_enabled()) {
    auto loaded = net::load_server_tls(config.tls_cert_file, config.tls_key_file);
    if (!loaded) {
      log::error("Cannot serve HTTPS: {} (PARLEY_TLS_CERT_FILE, PARLEY_TLS_KEY_FILE)",
                 loaded.error().message);
      return 1;
    }
    tls =
        std::make_shared<net::TlsCertificates>(config.tls_cert_file, config.tls_key_file, std::move(*loaded));
    const auto info = tls->info();
    log::info("HTTPS with the certificate {} ({}, expires {}, SHA-256 {})", config.tls_cert_file.string(),
              info.subject, format_iso_utc_z(info.not_after), info.sha256_fingerprint);
    if (auto w = net::expiry_warning(info, std::chrono::system_clock::now()); !w.empty()) log::warn("{}", w);
    options.tls = tls;
    health_routes.tls = tls;
  }

  net::HttpServer server(ioc, options, router, ui, policy);
  if (auto ec = server.listen()) {
    log::error("Cannot listen on {}:{}: {} (is another server using the port? set PARLEY_PORT)", config.host,
               config.port, ec.message());
    return 1;
  }
  policy.set_bound_address(config.host, server.port());
  // PARLEY_TLS_REDIRECT_PORT: plain HTTP answered with a 308 to the HTTPS port (no routes: the policy answers
  // every request).
  const net::Router no_routes{};
  std::optional<api::HttpsRedirectPolicy> redirect_policy;
  std::optional<net::HttpServer> redirect_server;
  if (tls && config.tls_redirect_port != 0) {
    redirect_policy.emplace(ctx, policy, tls, server.port());
    net::ServerOptions redirect_options = options;
    redirect_options.port = config.tls_redirect_port;
    redirect_options.tls = nullptr;
    redirect_options.max_connections = std::max<std::size_t>(16, server.max_connections() / 16);
    redirect_server.emplace(ioc, redirect_options, no_routes, ui, *redirect_policy);
    if (auto ec = redirect_server->listen()) {
      log::error("Cannot listen on {}:{} for the HTTPS redirect: {} (PARLEY_TLS_REDIRECT_PORT)", config.host,
                 config.tls_redirect_port, ec.message());
      return 1;
    }
    redirect_server->start();
    log::info("Redirecting plain HTTP on port {} to HTTPS on port {}", redirect_server->port(),
              server.port());
  }
  log::info("Accepting up to {} connections (open-files limit {})", server.max_connections(), open_files);
  server.start();
  // A warm connection to the provider makes the first token of the first turn come faster.
  provider.prewarm();
  // With PostgreSQL one replica at a time runs the retention job (§5.6).
  // The replica that takes it over from one that died runs the job at once.
  std::shared_ptr<store::ReaperLock> reaper_lock;
  if (config.database_kind == DatabaseKind::postgres) {
    reaper_lock = std::make_shared<store::ReaperLock>(config.postgres_url,
                                                      [&attachments] { attachments.run_retention_now(); });
    reaper_lock->start();
  }
  attachments.start_retention(ioc, reaper_lock
                                       ? std::function<bool()>([reaper_lock] { return reaper_lock->held(); })
                                       : std::function<bool()>());  // expired attachments and orphaned
                                                                    // objects, now and periodically (§5.6)
  tools.start();  // servers start in the background; requests never wait for slow ones beyond §7.3's 10 s

  // Before the port is announced: a signal sent as soon as the line appears (a supervisor, a test) is a
  // graceful stop, not the default action that kills the process with its requests.
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  // SIGHUP re-reads the certificate and key with HTTPS; without, it is logged and ignored, so a reload of the
  // service (systemctl reload, ExecReload) never stops the server.
  std::optional<asio::signal_set> reload_signal;
  reload_signal.emplace(ioc, SIGHUP);
  on_sighup(*reload_signal, ioc, tls, blocking);
  signals.async_wait([&](boost::system::error_code ec, int sig) {
    if (ec) return;
    log::info("Received signal {}; finishing open requests (up to 10 s)", sig);
    if (reload_signal) reload_signal->cancel();
    if (redirect_server) redirect_server->shutdown([] {});
    if (settings_listener) settings_listener->stop();
    if (reaper_lock) reaper_lock->stop();
    server.shutdown(
        [&ioc, &tools] { asio::co_spawn(ioc, stop_tools_then_io(&tools, &ioc), asio::detached); });
  });

  const std::string shown_host =
      config.host.find(':') != std::string::npos ? "[" + config.host + "]" : config.host;
  log::info("parley {} serving {} UI files ({}) with {} database, {} storage", PARLEY_VERSION,
            ui.file_count(), config.web_dir ? config.web_dir->string() : std::string("embedded"),
            config.database_kind == DatabaseKind::postgres ? "postgres" : "sqlite", config.storage);
  const auto listening = fmt::format("parley listening on {}://{}:{}", tls ? "https" : "http", shown_host,
                                     static_cast<unsigned>(server.port()));
  if (log::format() == log::Format::json) {
    // stdout carries JSON lines only: the announcement is one of them (at info, whatever the levels say).
    std::printf(
        "%s\n",
        log::json_line(std::chrono::system_clock::now(), log::Level::info, listening, nullptr).c_str());
  } else {
    std::printf("%s\n", listening.c_str());
  }
  std::fflush(stdout);

  std::vector<std::thread> threads;
  for (int i = 1; i < config.io_threads; ++i) threads.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& t : threads) t.join();
  blocking.stop();
  blocking.join();
  log::info("parley stopped");
  log::shutdown();
  home_lock.reset();
  return 0;
}

}  // namespace parley::app
