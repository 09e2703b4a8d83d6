// `parley mcp-server <name>`: runs one built-in MCP server on stdin/stdout (api.md §7.2). parley starts it as
// a stdio child with PARLEY_HOME set; the housekeeping and pdf servers read the same configuration, open the
// same database (lazily, on the first tool call that needs it) and read the same folders as the parent.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <iostream>
#include <mutex>
#include <thread>

#include "app/commands.hpp"
#include "app/google_wiring.hpp"
#include "blob/gcs_blob_store.hpp"
#include "blob/local_blob_store.hpp"
#include "blob/s3_blob_store.hpp"
#include "chat/attachment_service.hpp"
#include "core/blocking.hpp"
#include "core/config.hpp"
#include "core/json.hpp"
#include "core/warnings.hpp"
#include "google/google_tools.hpp"
#include "google/tool_session.hpp"
#include "mcp/builtin/servers.hpp"
#include "mcp/server_definition.hpp"
#include "net/http_client.hpp"
#include "net/outbound_fetcher.hpp"
#include "store/open_repository.hpp"
#include "store/settings_table.hpp"
#include "store/signing_key.hpp"

namespace parley::app {

namespace {

namespace builtin = mcp::builtin;

// Opens the store on first use; a database that cannot be opened is a tool error, not a dead server.
class LazyStore {
 public:
  explicit LazyStore(Config config) : config_(std::move(config)) {}

  template <class Fn>
  auto with_repository(Fn&& fn) -> decltype(fn(std::declval<store::Repository&>())) {
    using Result = decltype(fn(std::declval<store::Repository&>()));
    std::lock_guard lock(mutex_);
    try {
      if (!repository_) {
        repository_ = config_.database_kind == DatabaseKind::postgres
                          ? store::open_postgres_repository(config_.postgres_url, 1).repository
                          : store::open_sqlite_repository(config_.sqlite_path, 1, system_wall_clock(),
                                                          backup_before_migrate(config_))
                                .repository;
      }
      return fn(*repository_);
    } catch (const std::exception& e) {
      return Result::failure(store::describe_database(config_) + ": " + e.what());
    }
  }

 private:
  Config config_;
  std::mutex mutex_;
  std::unique_ptr<store::Repository> repository_;
};

// What the model reads when a URL was not downloaded.
std::string download_failure(const std::string& url, std::uintmax_t max_bytes,
                             const net::OutboundError& error) {
  using Kind = net::OutboundError::Kind;
  switch (error.kind) {
    case Kind::not_http:
      return "'" + url + "' is not an http(s) URL.";
    case Kind::host_not_listed:
      return "Refusing to download " + url + ": the host " + error.host +
             " is not in IMAGE_DOWNLOAD_ALLOWED_HOSTS.";
    case Kind::private_address:
      return "Refusing to download " + url + ": the host " + error.host +
             " resolves to a non-public address (" + error.address +
             "); list it in IMAGE_DOWNLOAD_ALLOWED_HOSTS to allow it.";
    case Kind::too_large:
      return "Downloading " + url + " failed: the file is larger than " + std::to_string(max_bytes) +
             " bytes.";
    case Kind::timeout:
    case Kind::cancelled:
    case Kind::failed:
      break;
  }
  return "Downloading " + url + " failed: " + error.message + ".";
}

// The pdf server's network side: the attachment object stores as parley configures them (each row is read
// from the backend that stored it) and URL downloads. One I/O thread runs the GCS, S3 and download requests.
class AttachmentObjects {
 public:
  explicit AttachmentObjects(const Config& config)
      : http_(ioc_),
        local_(config.blob_dir, std::string(), false, blocking_),  // reading needs no signing key
        gcs_(blob::GcsSettings{config.gcs_bucket_name, config.gcs_endpoint,
                               config.google_application_credentials},
             http_),
        s3_(blob::S3Settings{config.s3_endpoint, config.s3_bucket, config.s3_region, config.s3_access_key_id,
                             config.s3_secret_access_key, config.s3_force_path_style},
            http_),
        downloads_(http_, {config.image_download_allowed_hosts,
                           std::chrono::seconds(config.image_download_timeout_seconds)}),
        runner_([this] { ioc_.run(); }) {}
  ~AttachmentObjects() {
    work_.reset();
    ioc_.stop();
    runner_.join();
  }
  AttachmentObjects(const AttachmentObjects&) = delete;
  AttachmentObjects& operator=(const AttachmentObjects&) = delete;

  // extract_document's URLs (§7.5): the outbound fetcher's rules, as for image downloads (§3.3).
  mcp::Outcome<builtin::DownloadedFile> download(const std::string& url, std::uintmax_t max_bytes) {
    using R = mcp::Outcome<builtin::DownloadedFile>;
    net::OutboundRequest request{url, {}, static_cast<std::size_t>(max_bytes)};
    auto result =
        boost::asio::co_spawn(ioc_, downloads_.fetch(std::move(request)), boost::asio::use_future).get();
    if (!result) return R::failure(download_failure(url, max_bytes, result.error()));
    const auto& response = *result;
    if (response.status >= 300 && response.status < 400) {
      return R::failure("Downloading " + url + " failed: the server answered with a redirect (HTTP " +
                        std::to_string(response.status) + "), which is not followed.");
    }
    if (response.status != 200) {
      return R::failure("Downloading " + url + " failed: the server answered HTTP " +
                        std::to_string(response.status) + ".");
    }
    builtin::DownloadedFile file;
    file.bytes = response.body;
    const auto type = std::string(response.headers.get("Content-Type").value_or(""));
    file.content_type = type.substr(0, type.find(';'));
    while (!file.content_type.empty() && file.content_type.back() == ' ') file.content_type.pop_back();
    return file;
  }

  mcp::Outcome<std::string> read(const builtin::SavedAttachment& a) {
    using R = mcp::Outcome<std::string>;
    blob::BlobStore* store = a.storage_backend == "local" ? static_cast<blob::BlobStore*>(&local_)
                             : a.storage_backend == "gcs" ? static_cast<blob::BlobStore*>(&gcs_)
                             : a.storage_backend == "s3"  ? static_cast<blob::BlobStore*>(&s3_)
                                                          : nullptr;
    if (store == nullptr) {
      return R::failure("Attachment '" + a.attachment_id + "' names an unknown storage backend '" +
                        a.storage_backend + "'.");
    }
    if (store != &local_) {
      if (const auto missing = store->missing_configuration(); !missing.empty()) {
        return R::failure("Attachment '" + a.attachment_id + "' is kept in '" + a.storage_backend +
                          "' storage, which is not configured here: " + missing + ".");
      }
    }
    auto result = boost::asio::co_spawn(ioc_, store->read(a.storage_key), boost::asio::use_future).get();
    if (!result) {
      if (result.error().kind == blob::BlobError::Kind::not_found) {
        return R::failure("The file of attachment '" + a.attachment_id + "' is missing from " +
                          a.storage_backend + " storage.");
      }
      return R::failure("Reading attachment '" + a.attachment_id + "' failed: " + result.error().message);
    }
    return std::move(*result);
  }

 private:
  boost::asio::io_context ioc_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_ =
      boost::asio::make_work_guard(ioc_);
  BlockingPool blocking_{1};
  net::HttpClient http_;
  blob::LocalBlobStore local_;
  blob::GcsBlobStore gcs_;
  blob::S3BlobStore s3_;
  net::OutboundFetcher downloads_;
  std::thread runner_;
};

mcp::Outcome<std::vector<builtin::HistoryMessage>> load_history(store::Repository& repository,
                                                                const std::string& session_id) {
  std::vector<builtin::HistoryMessage> out;
  for (auto& m : repository.load_messages(session_id)) {
    builtin::HistoryMessage h;
    h.message_id = m.id;
    h.role = m.role;
    h.content = m.content.is_string() ? std::string(m.content.get_string())
                : m.content.is_null() ? std::string()
                                      : json::serialize(m.content);
    h.client_message_id = m.client_message_id;
    h.parent_client_message_id = m.parent_client_message_id;
    h.created_at = m.created_at;
    out.push_back(std::move(h));
  }
  return out;
}

mcp::Outcome<std::optional<builtin::SavedAttachment>> find_attachment(store::Repository& repository,
                                                                      const std::string& attachment_id) {
  auto row = repository.find_attachment(attachment_id);
  if (!row) return std::optional<builtin::SavedAttachment>();
  builtin::SavedAttachment a;
  a.attachment_id = row->attachment_id;
  a.storage_backend = row->storage_backend.value_or("gcs");  // null: a row of an earlier server (§5.2)
  a.storage_key = row->storage_path;
  a.mime_type = row->mime_type;
  a.size_bytes = row->size_bytes;
  if (row->metadata) {
    if (auto meta = json::parse(*row->metadata); meta && meta->is_object()) {
      if (const auto* f = meta->get_object().if_contains("filename"); f != nullptr && f->is_string()) {
        a.filename = std::string(f->get_string());
      }
    }
  }
  return std::optional<builtin::SavedAttachment>(std::move(a));
}

// download_gmail_attachment's side: the file becomes an attachment of the session in the configured storage,
// with its row in the history store, and the answer carries its signed URL (§7.5). Opened on first use.
class SessionAttachmentSink {
 public:
  explicit SessionAttachmentSink(Config config)
      : config_(std::move(config)), runner_([this] { ioc_.run(); }) {}
  ~SessionAttachmentSink() {
    work_.reset();
    ioc_.stop();
    runner_.join();
  }
  SessionAttachmentSink(const SessionAttachmentSink&) = delete;
  SessionAttachmentSink& operator=(const SessionAttachmentSink&) = delete;

  mcp::Outcome<google::SavedFile> save(const std::string& session_id, const std::string& filename,
                                       const std::string& mime_type, const std::string& bytes) {
    using R = mcp::Outcome<google::SavedFile>;
    std::lock_guard lock(mutex_);
    try {
      if (!service_) open();
    } catch (const std::exception& e) {
      return R::failure(store::describe_database(config_) + ": " + e.what());
    }
    if (bytes.size() > config_.attachments_max_size_bytes) {
      return R::failure("The file is larger than ATTACHMENTS_MAX_SIZE_BYTES (" +
                        std::to_string(config_.attachments_max_size_bytes) + " bytes).");
    }
    if (auto missing = service_->selected().missing_configuration(); !missing.empty())
      return R::failure("Attachment storage (" + config_.storage + ") is not configured: " + missing);
    chat::NewAttachment a{session_id, filename, mime_type, bytes};
    auto stored =
        boost::asio::co_spawn(ioc_, service_->store_upload(std::move(a)), boost::asio::use_future).get();
    if (!stored) {
      const auto& d = stored.error().detail;
      return R::failure(d.is_string() ? std::string(d.as_string()) : json::serialize(d));
    }
    auto row = *stored;
    google::SavedFile out;
    out.attachment_id = row.attachment_id;
    out.mime_type = row.mime_type;
    out.size_bytes = row.size_bytes;
    const std::string base = !config_.public_url.empty()
                                 ? config_.public_url
                                 : "http://" + config_.host + ":" + std::to_string(config_.port);
    std::string trimmed = base;
    while (!trimmed.empty() && trimmed.back() == '/') trimmed.pop_back();
    out.url = chat::AttachmentService::absolute_url(service_->current_url_blocking(row), trimmed);
    return out;
  }

 private:
  void open() {
    Warnings warnings;
    std::unique_ptr<store::PostgresDocumentStore> table;
    if (config_.database_kind == DatabaseKind::postgres) {
      table = std::make_unique<store::PostgresDocumentStore>(config_.postgres_url);
      repository_ = store::open_postgres_repository(config_.postgres_url, 1).repository;
    } else {
      repository_ = store::open_sqlite_repository(config_.sqlite_path, 1, system_wall_clock(),
                                                  backup_before_migrate(config_))
                        .repository;
    }
    const auto key = store::load_or_create_signing_key(config_, table.get(), warnings);
    service_ = std::make_unique<chat::AttachmentService>(
        config_, *repository_, blocking_,
        std::make_unique<blob::LocalBlobStore>(config_.blob_dir, key.empty() ? std::string() : from_hex(key),
                                               !config_.public_url.empty(), blocking_),
        std::make_unique<blob::GcsBlobStore>(blob::GcsSettings{config_.gcs_bucket_name, config_.gcs_endpoint,
                                                               config_.google_application_credentials},
                                             http_),
        std::make_unique<blob::S3BlobStore>(
            blob::S3Settings{config_.s3_endpoint, config_.s3_bucket, config_.s3_region,
                             config_.s3_access_key_id, config_.s3_secret_access_key,
                             config_.s3_force_path_style},
            http_));
  }

  Config config_;
  std::mutex mutex_;
  boost::asio::io_context ioc_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_ =
      boost::asio::make_work_guard(ioc_);
  BlockingPool blocking_{1};
  net::HttpClient http_{ioc_};
  std::unique_ptr<store::Repository> repository_;
  std::unique_ptr<chat::AttachmentService> service_;
  std::thread runner_;
};

// calendar, gmail, gdrive: the Google API client on its own I/O thread, tokens where `parley serve` keeps
// them.
int run_google_server(const std::string& name, const Config& config) {
  std::unique_ptr<store::PostgresDocumentStore> table;
  std::unique_ptr<google::TokenStore> tokens;
  if (config.database_kind == DatabaseKind::postgres) {
    table = std::make_unique<store::PostgresDocumentStore>(config.postgres_url);
    tokens = std::make_unique<google::DocumentTokenStore>(*table, config.home / "data" / "tokens");
  } else {
    tokens = std::make_unique<google::FileTokenStore>(config.home / "data" / "tokens");
  }
  // The OAuth state of a URL made here is checked by `parley serve`: the same key, from the same place.
  std::string signing_key;
  try {
    Warnings warnings;
    signing_key = store::load_or_create_signing_key(config, table.get(), warnings);
  } catch (const std::exception& e) {
    std::cerr << "parley mcp-server " << name << ": the signing key cannot be read: " << e.what() << "\n";
  }
  google::ToolSession session(google_auth_settings(config, signing_key), google_api_settings(config),
                              std::move(tokens));
  auto backend = session.backend();
  backend.default_user_email = config.google_default_user_email;
  backend.timezone = !config.timezone.empty() ? config.timezone : display_zone_name();
  if (name == "gmail") {
    auto sink = std::make_shared<SessionAttachmentSink>(config);
    backend.save_attachment = [sink](const std::string& session_id, const std::string& filename,
                                     const std::string& mime, const std::string& bytes) {
      return sink->save(session_id, filename, mime, bytes);
    };
    auto server = google::make_gmail_server(std::move(backend));
    server.serve(std::cin, std::cout);
    return 0;
  }
  if (name == "gdrive") {
    auto objects = std::make_shared<AttachmentObjects>(config);
    backend.download = [objects](const std::string& url, std::uintmax_t max_bytes) {
      return objects->download(url, max_bytes);
    };
    auto server = google::make_gdrive_server(std::move(backend));
    server.serve(std::cin, std::cout);
    return 0;
  }
  auto server = google::make_calendar_server(std::move(backend));
  server.serve(std::cin, std::cout);
  return 0;
}

}  // namespace

int run_mcp_server(const std::string& requested) {
  const auto name = mcp::builtin_server_name(requested);
  if (!name) {
    std::cerr << "parley mcp-server: unknown built-in server '" << requested
              << "'; the built-in servers are calculator, housekeeping, pdf, calendar, gmail and gdrive\n";
    return 2;
  }
  std::ios::sync_with_stdio(false);  // buffered stdin: requests are read line by line
  if (*name == "calculator") {
    auto server = builtin::make_calculator_server();
    server.serve(std::cin, std::cout);
    return 0;
  }
  auto loaded = load_config(process_environment());
  if (!loaded.config) {
    std::cerr << "parley mcp-server " << *name << ": invalid configuration:\n";
    for (const auto& e : loaded.errors) std::cerr << "  - " << e << "\n";
    return 1;
  }
  const auto& config = *loaded.config;
  if (!config.timezone.empty()) setenv("TZ", config.timezone.c_str(), 1);
  tzset();
  if (*name == "calendar" || *name == "gmail" || *name == "gdrive") return run_google_server(*name, config);
  auto lazy_store = std::make_shared<LazyStore>(config);
  if (*name == "housekeeping") {
    builtin::HousekeepingOptions options;
    options.load_history = [lazy_store](const std::string& session_id) {
      return lazy_store->with_repository([&](store::Repository& r) { return load_history(r, session_id); });
    };
    auto server = builtin::make_housekeeping_server(std::move(options));
    server.serve(std::cin, std::cout);
    return 0;
  }
  builtin::PdfOptions options;
  options.uploads_dir = config.legacy_attachments_dir;
  options.blob_dir = config.blob_dir;
  options.home = config.home;
  options.find_attachment = [lazy_store](const std::string& id) {
    return lazy_store->with_repository([&](store::Repository& r) { return find_attachment(r, id); });
  };
  auto objects = std::make_shared<AttachmentObjects>(config);
  options.read_attachment = [objects](const builtin::SavedAttachment& a) { return objects->read(a); };
  options.download = [objects](const std::string& url, std::uintmax_t max_bytes) {
    return objects->download(url, max_bytes);
  };
  auto server = builtin::make_pdf_server(std::move(options));
  server.serve(std::cin, std::cout);
  return 0;
}

}  // namespace parley::app
