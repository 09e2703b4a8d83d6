// parley's configuration: every variable of api.md §6.2, from the environment and the home's .env file,
// validated once at start-up (an invalid value stops parley with a message naming the variable).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace parley {

enum class DatabaseKind { sqlite, postgres };

struct Config {
  std::filesystem::path home;
  std::optional<std::filesystem::path> web_dir;
  std::string host = "127.0.0.1";
  std::uint16_t port = 8000;
  std::string auth_token;
  bool allow_no_auth = false;
  int session_ttl_hours = 720;
  std::vector<std::string> cors_origins;  // "*" alone means any origin
  std::vector<std::string> allowed_hosts;
  bool trust_proxy = false;
  std::string public_url;
  std::string timezone;  // empty: host zone

  DatabaseKind database_kind = DatabaseKind::sqlite;
  std::filesystem::path sqlite_path;
  std::string postgres_url;

  std::string storage = "local";
  std::filesystem::path blob_dir;
  std::string signing_key_hex;

  int max_tool_hops = 8;
  int tool_timeout_seconds = 120;
  std::size_t tool_result_max_bytes = 1048576;
  std::size_t chat_max_body_bytes = 67108864;
  std::size_t max_body_bytes = 1048576;

  std::string openrouter_api_key;
  std::string openrouter_base_url = "https://openrouter.ai/api/v1";
  std::string openrouter_app_url;
  std::string openrouter_app_title;
  std::string default_model = "openrouter/auto";
  std::string default_system_prompt;
  int openrouter_timeout_seconds = 120;

  std::filesystem::path model_settings_path;
  std::filesystem::path presets_path;
  std::filesystem::path suggestions_path;
  std::filesystem::path mcp_servers_path;
  std::filesystem::path conversation_log_dir;

  std::size_t attachments_max_size_bytes = 10485760;
  int attachments_retention_days = 7;
  std::filesystem::path legacy_attachments_dir;

  std::string gcs_bucket_name = "openrouter-chat";
  std::string gcp_project_id;
  std::filesystem::path google_application_credentials;
  std::string gcs_endpoint = "https://storage.googleapis.com";
  std::string s3_endpoint;
  std::string s3_bucket;
  std::string s3_region = "us-east-1";
  std::string s3_access_key_id;
  std::string s3_secret_access_key;
  bool s3_force_path_style = true;

  std::vector<std::string> image_download_allowed_hosts;
  int image_download_timeout_seconds = 15;
  std::size_t image_download_max_bytes = 10485760;

  std::string deepgram_api_key;
  int deepgram_token_ttl = 30;
  bool deepgram_allow_apikey_fallback = false;
  std::string deepgram_base_url = "https://api.deepgram.com";
  double deepgram_timeout_seconds = 30.0;  // §2.19's 30 s; an extension variable lets tests shorten it

  std::string frontend_url;
  std::string google_oauth_redirect_uri = "http://localhost:8000/api/google-auth/callback";
  std::string google_default_user_email;
  std::string google_api_base_url = "https://www.googleapis.com";
  double google_timeout_seconds = 30.0;  // extension: one Google request (tests shorten it)

  // Extensions (not in the spec's table): SSE keep-alive interval, header read deadline (also the idle
  // keep-alive timeout), request body deadline, connection limit, server threads.
  double sse_keepalive_seconds = 15.0;
  double header_timeout_seconds = 15.0;
  double body_timeout_seconds = 300.0;
  std::size_t max_connections = 0;  // 0: derived from the open-files limit at start-up
  int io_threads = 2;
  // PARLEY_LOG_FORMAT: "text" (readable lines on stderr) or "json" (one object per line on stdout).
  std::string log_format = "text";

  // Extensions: HTTPS served by parley itself (both files set, PEM), and an optional plain listener that
  // redirects to it (0: none).
  std::filesystem::path tls_cert_file;
  std::filesystem::path tls_key_file;
  std::uint16_t tls_redirect_port = 0;
  [[nodiscard]] bool tls_enabled() const { return !tls_cert_file.empty(); }

  // Notes for the log at start-up (e.g. a .env-only alias was used).
  std::vector<std::string> notices;

  // Every secret value configured, so the log redactor can scrub them wherever they appear.
  [[nodiscard]] std::vector<std::string> secret_values() const;
  // Identifiers that are kept out of logs but legitimately appear in output (the S3 access key id is part of
  // every presigned URL).
  [[nodiscard]] std::vector<std::string> log_only_secret_values() const;
  [[nodiscard]] bool auth_token_configured() const { return !auth_token.empty(); }
};

struct ConfigVariable {
  const char* name;
  const char* aliases;  // comma-separated; "(.env only)" marks the generic ones
  const char* default_text;
  const char* meaning;
};
const std::vector<ConfigVariable>& config_variables();

struct ConfigLoadResult {
  std::optional<Config> config;
  std::vector<std::string> errors;  // each names the variable, the problem and the expected form
};

using EnvMap = std::map<std::string, std::string>;
EnvMap process_environment();
// home: PARLEY_HOME from `env`, else the working directory. Reads <home>/.env.
ConfigLoadResult load_config(const EnvMap& env);

bool is_loopback_host(const std::string& host);

}  // namespace parley
