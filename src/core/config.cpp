#include "core/config.hpp"

#include <arpa/inet.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <cctype>
#include <charconv>
#include <cmath>

#include "core/atomic_file.hpp"
#include "core/dotenv.hpp"
#include "core/ids.hpp"
#include "core/text.hpp"

extern char** environ;

namespace parley {
namespace fs = std::filesystem;

namespace {

constexpr const char* kDefaultSystemPrompt =
    "You are a helpful assistant who follows OpenRouter best practices. Use the provided context from the "
    "server, "
    "call tools when they improve your answer, and if a tool is unavailable you should continue without it "
    "while "
    "complying with safety policies.";

using text::upper;

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    const auto comma = s.find(',', start);
    auto item = text::trimmed(s.substr(start, comma == std::string::npos ? std::string::npos : comma - start),
                              text::kBlanksAndLineEnds);
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

// Values from the process environment (winning) and the .env file, keyed by upper-case name.
class Sources {
 public:
  Sources(const EnvMap& env, const std::vector<DotenvEntry>& dotenv) {
    for (const auto& e : dotenv) dotenv_[upper(e.key)] = e.value;
    for (const auto& [k, v] : env) env_[upper(k)] = v;
  }

  // Looks up `name`, then its aliases. `dotenv_only_aliases` are honoured only from .env, with a notice.
  std::optional<std::string> get(const std::string& name, std::initializer_list<const char*> aliases = {},
                                 std::initializer_list<const char*> dotenv_only_aliases = {}) {
    const auto key = upper(name);
    if (auto it = env_.find(key); it != env_.end()) return it->second;
    if (auto it = dotenv_.find(key); it != dotenv_.end()) return it->second;
    for (const char* a : aliases) {
      const auto ak = upper(a);
      if (auto it = env_.find(ak); it != env_.end()) return it->second;
      if (auto it = dotenv_.find(ak); it != dotenv_.end()) return it->second;
    }
    for (const char* a : dotenv_only_aliases) {
      if (auto it = dotenv_.find(upper(a)); it != dotenv_.end()) {
        notices.push_back(std::string(".env uses the generic name '") + a + "'; prefer " + name);
        return it->second;
      }
    }
    return std::nullopt;
  }

  std::vector<std::string> notices;

 private:
  std::map<std::string, std::string> env_;
  std::map<std::string, std::string> dotenv_;
};

class Validator {
 public:
  Validator(Sources& src, std::vector<std::string>& errors) : src_(src), errors_(errors) {}

  void string(const char* name, std::string& out, std::initializer_list<const char*> aliases = {},
              std::initializer_list<const char*> dotenv_only = {}) {
    if (auto v = src_.get(name, aliases, dotenv_only)) out = *v;
  }

  template <class Int>
  void integer(const char* name, Int& out, long long min, long long max,
               std::initializer_list<const char*> aliases = {},
               std::initializer_list<const char*> dotenv_only = {}) {
    auto v = src_.get(name, aliases, dotenv_only);
    if (!v) return;
    const auto s = text::trimmed(*v, text::kBlanksAndLineEnds);
    long long parsed = 0;
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), parsed);
    if (s.empty() || ec != std::errc() || ptr != s.data() + s.size() || parsed < min || parsed > max) {
      errors_.push_back(std::string(name) + "='" + *v + "' is invalid: expected an integer from " +
                        std::to_string(min) + " to " + std::to_string(max));
      return;
    }
    out = static_cast<Int>(parsed);
  }

  void boolean(const char* name, bool& out, std::initializer_list<const char*> aliases = {}) {
    auto v = src_.get(name, aliases);
    if (!v) return;
    const auto s = upper(text::trimmed(*v, text::kBlanksAndLineEnds));
    if (s == "1" || s == "TRUE" || s == "YES" || s == "ON") {
      out = true;
    } else if (s == "0" || s == "FALSE" || s == "NO" || s == "OFF" || s.empty()) {
      out = false;
    } else {
      errors_.push_back(std::string(name) + "='" + *v +
                        "' is invalid: expected 1/0, true/false, yes/no or on/off");
    }
  }

  void url(const char* name, std::string& out, std::initializer_list<const char*> aliases = {},
           std::initializer_list<const char*> dotenv_only = {}) {
    auto v = src_.get(name, aliases, dotenv_only);
    if (!v) return;
    auto s = text::trimmed(*v, text::kBlanksAndLineEnds);
    if (s.empty()) {
      out.clear();
      return;
    }
    auto parsed = boost::urls::parse_absolute_uri(s);
    if (!parsed || (parsed->scheme() != "http" && parsed->scheme() != "https") || parsed->host().empty()) {
      errors_.push_back(std::string(name) + "='" + s + "' is invalid: expected an http:// or https:// URL");
      return;
    }
    out = s;
  }

  // A path relative to the home must stay inside it; absolute paths are allowed.
  void path(const char* name, fs::path& out, const fs::path& home, const std::string& fallback,
            std::initializer_list<const char*> aliases = {},
            std::initializer_list<const char*> dotenv_only = {}, bool must_stay_inside = true) {
    auto v = src_.get(name, aliases, dotenv_only);
    const std::string raw = v ? text::trimmed(*v, text::kBlanksAndLineEnds) : fallback;
    if (raw.empty()) {
      errors_.push_back(std::string(name) + " is empty: expected a file path");
      return;
    }
    fs::path p(raw);
    if (p.is_relative()) {
      const auto joined = (home / p).lexically_normal();
      const auto rel = joined.lexically_relative(home);
      if (must_stay_inside && (rel.empty() || *rel.begin() == "..")) {
        errors_.push_back(std::string(name) + "='" + raw +
                          "' is invalid: a relative path must stay inside the parley home (" + home.string() +
                          ")");
        return;
      }
      out = joined;
    } else {
      out = p.lexically_normal();
    }
  }

 private:
  Sources& src_;
  std::vector<std::string>& errors_;
};

bool valid_timezone(const std::string& tz) {
  if (tz.empty() || tz.find("..") != std::string::npos || tz.front() == '/') return false;
  std::error_code ec;
  return fs::is_regular_file(fs::path("/usr/share/zoneinfo") / tz, ec);
}

}  // namespace

std::vector<std::string> Config::secret_values() const {
  std::vector<std::string> out;
  for (const auto* s : {&auth_token, &openrouter_api_key, &deepgram_api_key, &signing_key_hex}) {
    if (s->size() >= 4) out.push_back(*s);
  }
  // A secret equal to the access key id (MinIO's and s3rver's defaults) cannot be masked in output: the id is
  // part of every presigned URL. It is still kept out of the logs (log_only_secret_values).
  if (s3_secret_access_key.size() >= 4 && s3_secret_access_key != s3_access_key_id)
    out.push_back(s3_secret_access_key);
  return out;
}

std::vector<std::string> Config::log_only_secret_values() const {
  std::vector<std::string> out;
  if (s3_access_key_id.size() >= 4) out.push_back(s3_access_key_id);
  if (s3_secret_access_key.size() >= 4 && s3_secret_access_key == s3_access_key_id)
    out.push_back(s3_secret_access_key);
  return out;
}

bool is_loopback_host(const std::string& host_in) {
  std::string host = host_in;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (upper(host) == "LOCALHOST") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
  return false;
}

EnvMap process_environment() {
  EnvMap env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    const auto eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }
  return env;
}

ConfigLoadResult load_config(const EnvMap& env) {
  ConfigLoadResult result;
  auto& errors = result.errors;
  Config c;

  // The home is located first: the .env file lives in it.
  std::string home_raw;
  for (const auto& [k, v] : env) {
    if (upper(k) == "PARLEY_HOME") home_raw = v;
  }
  std::error_code ec;
  fs::path home = home_raw.empty() ? fs::current_path(ec) : fs::path(home_raw);
  if (home.is_relative()) home = fs::absolute(home, ec);
  home = home.lexically_normal();
  if (home.has_filename() == false && home != home.root_path()) home = home.parent_path();
  if (!fs::is_directory(home, ec)) {
    errors.push_back("PARLEY_HOME='" + home.string() +
                     "' is not a directory: create it or point PARLEY_HOME elsewhere");
    return result;
  }
  c.home = home;

  std::vector<DotenvEntry> dotenv;
  if (auto text = read_file(home / ".env", ec)) {
    auto parsed = parse_dotenv(*text);
    for (const auto& e : parsed.errors) errors.push_back(".env " + e);
    dotenv = std::move(parsed.entries);
  }
  Sources src(env, dotenv);
  Validator v(src, errors);

  if (auto w = src.get("PARLEY_WEB_DIR"); w && !text::trim(*w, text::kBlanksAndLineEnds).empty()) {
    fs::path p = text::trimmed(*w, text::kBlanksAndLineEnds);
    if (p.is_relative()) p = home / p;
    if (!fs::is_directory(p, ec)) {
      errors.push_back("PARLEY_WEB_DIR='" + *w +
                       "' is not a directory: build the UI (cd web && npm run build) or unset it");
    } else {
      c.web_dir = fs::canonical(p, ec);
    }
  }

  v.string("PARLEY_HOST", c.host);
  c.host = text::trimmed(c.host, text::kBlanksAndLineEnds);
  if (c.host.empty()) errors.push_back("PARLEY_HOST is empty: expected an address such as 127.0.0.1");
  v.integer("PARLEY_PORT", c.port, 0, 65535);
  v.string("PARLEY_AUTH_TOKEN", c.auth_token);
  c.auth_token = text::trimmed(c.auth_token, text::kBlanksAndLineEnds);
  v.boolean("PARLEY_ALLOW_NO_AUTH", c.allow_no_auth);
  v.integer("PARLEY_SESSION_TTL_HOURS", c.session_ttl_hours, 1, 24 * 3650);
  if (auto o = src.get("PARLEY_CORS_ORIGINS")) {
    c.cors_origins = split_list(*o);
    for (auto& origin : c.cors_origins) {
      while (origin.size() > 1 && origin.back() == '/') origin.pop_back();
      if (origin == "*") continue;
      auto u = boost::urls::parse_absolute_uri(origin);
      if (!u || u->host().empty() || (u->scheme() != "http" && u->scheme() != "https")) {
        errors.push_back("PARLEY_CORS_ORIGINS contains '" + origin +
                         "': expected comma-separated origins like https://app.example.com, or *");
      }
    }
  }
  if (auto h = src.get("PARLEY_ALLOWED_HOSTS")) c.allowed_hosts = split_list(*h);
  v.boolean("PARLEY_TRUST_PROXY", c.trust_proxy);
  v.url("PARLEY_PUBLIC_URL", c.public_url);
  while (!c.public_url.empty() && c.public_url.back() == '/') c.public_url.pop_back();
  v.string("PARLEY_TIMEZONE", c.timezone);
  c.timezone = text::trimmed(c.timezone, text::kBlanksAndLineEnds);
  if (!c.timezone.empty() && !valid_timezone(c.timezone)) {
    errors.push_back(
        "PARLEY_TIMEZONE='" + c.timezone +
        "' is not a known IANA time zone: expected a name such as Europe/Berlin (package tzdata)");
  }

  // Database (§5.1).
  fs::path sqlite_default;
  v.path("CHAT_DATABASE_PATH", sqlite_default, home, "data/chat_sessions.db", {}, {"chat_db"}, false);
  c.sqlite_path = sqlite_default;
  if (auto url = src.get("PARLEY_DATABASE_URL"); url && !text::trim(*url, text::kBlanksAndLineEnds).empty()) {
    const auto u = text::trimmed(*url, text::kBlanksAndLineEnds);
    if (u.starts_with("postgres://") || u.starts_with("postgresql://")) {
      c.database_kind = DatabaseKind::postgres;
      c.postgres_url = u;
    } else if (u.starts_with("sqlite:")) {
      std::string rest = u.substr(7);
      fs::path p;
      if (rest.starts_with("///")) {
        p = rest.substr(2);
      } else if (rest.starts_with("//")) {
        errors.push_back("PARLEY_DATABASE_URL='" + u +
                         "' is invalid: use sqlite:relative/path.db or sqlite:///abs/path.db");
      } else {
        p = home / rest;
      }
      if (rest.empty()) errors.push_back("PARLEY_DATABASE_URL='sqlite:' names no file");
      c.sqlite_path = p.lexically_normal();
    } else {
      errors.push_back(
          "PARLEY_DATABASE_URL is invalid: expected sqlite:<path>, postgres://… or postgresql://…");
    }
  }

  v.string("PARLEY_STORAGE", c.storage);
  c.storage = text::lower(text::trim(c.storage, text::kBlanksAndLineEnds));
  if (c.storage != "local" && c.storage != "gcs" && c.storage != "s3") {
    errors.push_back("PARLEY_STORAGE='" + c.storage + "' is invalid: expected local, gcs or s3");
  }
  v.path("PARLEY_BLOB_DIR", c.blob_dir, home, "data/blobs", {}, {}, false);
  v.string("PARLEY_SIGNING_KEY", c.signing_key_hex);
  c.signing_key_hex = text::trimmed(c.signing_key_hex, text::kBlanksAndLineEnds);
  if (!c.signing_key_hex.empty() &&
      (!is_hex(c.signing_key_hex) || c.signing_key_hex.size() % 2 != 0 || c.signing_key_hex.size() < 64)) {
    errors.push_back(
        "PARLEY_SIGNING_KEY is invalid: expected hex text of at least 32 bytes (64 hex characters)");
  }

  v.integer("PARLEY_MAX_TOOL_HOPS", c.max_tool_hops, 0, 64);
  v.integer("PARLEY_TOOL_TIMEOUT_SECONDS", c.tool_timeout_seconds, 1, 86400);
  v.integer("PARLEY_TOOL_RESULT_MAX_BYTES", c.tool_result_max_bytes, 1, 1LL << 32);
  v.integer("PARLEY_CHAT_MAX_BODY_BYTES", c.chat_max_body_bytes, 1, 1LL << 34);
  v.integer("PARLEY_MAX_BODY_BYTES", c.max_body_bytes, 1, 1LL << 34);

  v.string("OPENROUTER_API_KEY", c.openrouter_api_key);
  c.openrouter_api_key = text::trimmed(c.openrouter_api_key, text::kBlanksAndLineEnds);
  v.url("OPENROUTER_BASE_URL", c.openrouter_base_url, {}, {"base_url"});
  while (!c.openrouter_base_url.empty() && c.openrouter_base_url.back() == '/')
    c.openrouter_base_url.pop_back();
  if (c.openrouter_base_url.empty())
    errors.push_back("OPENROUTER_BASE_URL is empty: expected an http(s) URL");
  v.url("OPENROUTER_APP_URL", c.openrouter_app_url, {}, {"HTTP_REFERER", "REFERER"});
  v.string("OPENROUTER_APP_TITLE", c.openrouter_app_title, {"X_TITLE"});
  v.string("OPENROUTER_DEFAULT_MODEL", c.default_model, {}, {"default_model"});
  c.default_model = text::trimmed(c.default_model, text::kBlanksAndLineEnds);
  if (c.default_model.empty())
    errors.push_back("OPENROUTER_DEFAULT_MODEL is empty: expected a model id such as openrouter/auto");
  c.default_system_prompt = kDefaultSystemPrompt;
  v.string("OPENROUTER_SYSTEM_PROMPT", c.default_system_prompt, {}, {"system_prompt"});
  v.integer("OPENROUTER_TIMEOUT", c.openrouter_timeout_seconds, 1, 86400, {}, {"timeout"});

  v.path("MODEL_SETTINGS_PATH", c.model_settings_path, home, "data/model_settings.json");
  v.path("PRESETS_PATH", c.presets_path, home, "data/presets.json");
  v.path("SUGGESTIONS_PATH", c.suggestions_path, home, "data/suggestions.json");
  v.path("MCP_SERVERS_PATH", c.mcp_servers_path, home, "data/mcp_servers.json");
  v.path("CONVERSATION_LOG_DIR", c.conversation_log_dir, home, "logs/conversations", {}, {}, false);

  v.integer("ATTACHMENTS_MAX_SIZE_BYTES", c.attachments_max_size_bytes, 1, 1LL << 34);
  v.integer("ATTACHMENTS_RETENTION_DAYS", c.attachments_retention_days, 0, 36500);
  v.path("LEGACY_ATTACHMENTS_DIR", c.legacy_attachments_dir, home, "data/uploads", {}, {}, false);

  v.string("GCS_BUCKET_NAME", c.gcs_bucket_name);
  v.string("GCP_PROJECT_ID", c.gcp_project_id);
  v.path("GOOGLE_APPLICATION_CREDENTIALS", c.google_application_credentials, home,
         "credentials/googlecloud/sa.json", {}, {}, false);
  v.url("GCS_ENDPOINT", c.gcs_endpoint);
  while (!c.gcs_endpoint.empty() && c.gcs_endpoint.back() == '/') c.gcs_endpoint.pop_back();
  v.string("S3_REGION", c.s3_region);
  v.url("S3_ENDPOINT", c.s3_endpoint);
  while (!c.s3_endpoint.empty() && c.s3_endpoint.back() == '/') c.s3_endpoint.pop_back();
  if (c.s3_endpoint.empty()) c.s3_endpoint = "https://s3." + c.s3_region + ".amazonaws.com";
  v.string("S3_BUCKET", c.s3_bucket);
  v.string("S3_ACCESS_KEY_ID", c.s3_access_key_id, {"AWS_ACCESS_KEY_ID"});
  v.string("S3_SECRET_ACCESS_KEY", c.s3_secret_access_key, {"AWS_SECRET_ACCESS_KEY"});
  v.boolean("S3_FORCE_PATH_STYLE", c.s3_force_path_style);
  // A missing bucket or key is not a start-up error: uploads answer 503 naming what is missing (§2.18) and
  // /health warns.

  if (auto hosts = src.get("IMAGE_DOWNLOAD_ALLOWED_HOSTS");
      hosts && !text::trim(*hosts, text::kBlanksAndLineEnds).empty()) {
    const auto h = text::trimmed(*hosts, text::kBlanksAndLineEnds);
    if (h.front() == '[') {
      boost::system::error_code jec;
      auto parsed = boost::json::parse(h, jec);
      if (jec || !parsed.is_array()) {
        errors.push_back(
            "IMAGE_DOWNLOAD_ALLOWED_HOSTS is invalid: expected a JSON array of host names or a comma list");
      } else {
        for (const auto& item : parsed.as_array()) {
          if (!item.is_string()) {
            errors.push_back("IMAGE_DOWNLOAD_ALLOWED_HOSTS is invalid: every array item must be a string");
            break;
          }
          c.image_download_allowed_hosts.emplace_back(item.as_string());
        }
      }
    } else {
      c.image_download_allowed_hosts = split_list(h);
    }
  }
  v.integer("IMAGE_DOWNLOAD_TIMEOUT_SECONDS", c.image_download_timeout_seconds, 1, 3600);
  v.integer("IMAGE_DOWNLOAD_MAX_BYTES", c.image_download_max_bytes, 1, 1LL << 34);

  v.string("DEEPGRAM_API_KEY", c.deepgram_api_key);
  c.deepgram_api_key = text::trimmed(c.deepgram_api_key, text::kBlanksAndLineEnds);
  v.integer("DEEPGRAM_TOKEN_TTL", c.deepgram_token_ttl, 1, 3600);
  v.boolean("DEEPGRAM_ALLOW_APIKEY_FALLBACK", c.deepgram_allow_apikey_fallback,
            {"DEEPGRAM_DEV_APIKEY_FALLBACK"});
  v.url("DEEPGRAM_BASE_URL", c.deepgram_base_url);
  while (!c.deepgram_base_url.empty() && c.deepgram_base_url.back() == '/') c.deepgram_base_url.pop_back();

  c.frontend_url = c.public_url.empty() ? "http://localhost:8000" : c.public_url;
  v.url("FRONTEND_URL", c.frontend_url);
  v.url("GOOGLE_OAUTH_REDIRECT_URI", c.google_oauth_redirect_uri);
  v.string("GOOGLE_DEFAULT_USER_EMAIL", c.google_default_user_email);
  v.url("GOOGLE_API_BASE_URL", c.google_api_base_url);
  while (c.google_api_base_url.size() > 1 && c.google_api_base_url.back() == '/')
    c.google_api_base_url.pop_back();

  auto seconds = [&](const char* name, double& out) {
    auto k = src.get(name);
    if (!k) return;
    char* end = nullptr;
    const double d = std::strtod(k->c_str(), &end);
    if (end == k->c_str() || *end != '\0' || !std::isfinite(d) || d < 0.01 || d > 3600) {
      errors.push_back(std::string(name) + "='" + *k + "' is invalid: expected seconds from 0.01 to 3600");
    } else {
      out = d;
    }
  };
  seconds("PARLEY_SSE_KEEPALIVE_SECONDS", c.sse_keepalive_seconds);
  seconds("PARLEY_HEADER_TIMEOUT_SECONDS", c.header_timeout_seconds);
  seconds("PARLEY_BODY_TIMEOUT_SECONDS", c.body_timeout_seconds);
  v.integer("PARLEY_MAX_CONNECTIONS", c.max_connections, 1, 1048576);
  seconds("PARLEY_DEEPGRAM_TIMEOUT_SECONDS", c.deepgram_timeout_seconds);
  seconds("PARLEY_GOOGLE_TIMEOUT_SECONDS", c.google_timeout_seconds);
  v.integer("PARLEY_IO_THREADS", c.io_threads, 1, 64);
  v.string("PARLEY_LOG_FORMAT", c.log_format);
  c.log_format = text::lower(text::trim(c.log_format, text::kBlanksAndLineEnds));
  if (c.log_format != "text" && c.log_format != "json")
    errors.push_back("PARLEY_LOG_FORMAT='" + c.log_format + "' is invalid: expected text or json");

  // HTTPS: a relative path is taken from the home (a certificate may live anywhere, e.g. /etc/letsencrypt).
  auto tls_file = [&](const char* name, fs::path& out) {
    auto raw = src.get(name);
    if (!raw) return;
    const auto s = text::trimmed(*raw, text::kBlanksAndLineEnds);
    if (s.empty()) return;
    fs::path p(s);
    out = p.is_relative() ? (home / p).lexically_normal() : p.lexically_normal();
  };
  tls_file("PARLEY_TLS_CERT_FILE", c.tls_cert_file);
  tls_file("PARLEY_TLS_KEY_FILE", c.tls_key_file);
  if (c.tls_cert_file.empty() != c.tls_key_file.empty()) {
    errors.push_back(
        "PARLEY_TLS_CERT_FILE and PARLEY_TLS_KEY_FILE go together: set both (PEM certificate chain and its "
        "key) to serve HTTPS, or neither");
  }
  v.integer("PARLEY_TLS_REDIRECT_PORT", c.tls_redirect_port, 1, 65535);
  if (c.tls_redirect_port != 0 && c.tls_cert_file.empty()) {
    errors.push_back(
        "PARLEY_TLS_REDIRECT_PORT is set but HTTPS is not: set PARLEY_TLS_CERT_FILE and "
        "PARLEY_TLS_KEY_FILE too");
  } else if (c.tls_redirect_port != 0 && c.tls_redirect_port == c.port) {
    errors.push_back("PARLEY_TLS_REDIRECT_PORT must differ from PARLEY_PORT");
  }

  c.notices = std::move(src.notices);
  if (errors.empty()) result.config = std::move(c);
  return result;
}

const std::vector<ConfigVariable>& config_variables() {
  static const std::vector<ConfigVariable> vars = {
      {"PARLEY_HOME", "", "working directory", "base for relative paths"},
      {"PARLEY_WEB_DIR", "", "embedded UI", "serve the UI from this folder instead"},
      {"PARLEY_HOST", "", "127.0.0.1", "listen address"},
      {"PARLEY_PORT", "", "8000", "listen port (0 = any free port)"},
      {"PARLEY_AUTH_TOKEN", "", "unset", "bearer token; enables authentication (secret)"},
      {"PARLEY_ALLOW_NO_AUTH", "", "0", "allow a non-loopback bind without authentication"},
      {"PARLEY_SESSION_TTL_HOURS", "", "720", "login cookie lifetime"},
      {"PARLEY_CORS_ORIGINS", "", "empty", "comma-separated origins allowed cross-origin access, or *"},
      {"PARLEY_ALLOWED_HOSTS", "", "empty", "extra Host names accepted without authentication"},
      {"PARLEY_TRUST_PROXY", "", "0", "honour X-Forwarded-* headers"},
      {"PARLEY_PUBLIC_URL", "", "unset", "public base URL of this server"},
      {"PARLEY_TIMEZONE", "", "host zone", "display time zone (IANA name)"},
      {"PARLEY_DATABASE_URL", "", "unset", "sqlite:<path> or postgres://…"},
      {"PARLEY_DB_BACKUP_BEFORE_MIGRATE", "", "1",
       "0: migrate a SQLite database in place without keeping <file>.v<N>.bak first"},
      {"PARLEY_STORAGE", "", "local", "attachment storage: local, gcs or s3"},
      {"PARLEY_BLOB_DIR", "", "data/blobs", "local object store"},
      {"PARLEY_SIGNING_KEY", "", "generated", "hex, at least 32 bytes (secret)"},
      {"PARLEY_MAX_TOOL_HOPS", "", "8", "tool hops per turn (0-64)"},
      {"PARLEY_TOOL_TIMEOUT_SECONDS", "", "120", "per tool call"},
      {"PARLEY_TOOL_RESULT_MAX_BYTES", "", "1048576", "tool result size cap"},
      {"PARLEY_CHAT_MAX_BODY_BYTES", "", "67108864", "body limit of POST /api/chat/stream"},
      {"PARLEY_MAX_BODY_BYTES", "", "1048576", "body limit of other routes"},
      {"PARLEY_SSE_KEEPALIVE_SECONDS", "", "15", "SSE keep-alive comment interval"},
      {"PARLEY_HEADER_TIMEOUT_SECONDS", "", "15",
       "deadline for a client to send a request header; also how long an idle keep-alive connection stays "
       "open"},
      {"PARLEY_BODY_TIMEOUT_SECONDS", "", "300",
       "deadline for a client to send a whole request body (else 408)"},
      {"PARLEY_MAX_CONNECTIONS", "", "from the open-files limit",
       "open client connections at most; at the limit the longest-idle one is closed for a new client"},
      {"PARLEY_IO_THREADS", "", "2", "threads running the HTTP server"},
      {"PARLEY_LOG_FORMAT", "", "text",
       "text (readable lines on stderr) or json (one JSON object per line on stdout and in logs/app/)"},
      {"PARLEY_TLS_CERT_FILE", "", "unset",
       "PEM certificate (chain allowed): parley serves HTTPS on its port (TLS 1.2+); SIGHUP re-reads it"},
      {"PARLEY_TLS_KEY_FILE", "", "unset", "PEM private key of PARLEY_TLS_CERT_FILE (unencrypted)"},
      {"PARLEY_TLS_REDIRECT_PORT", "", "unset",
       "also listen on this port with plain HTTP, answering 308 to the https:// address"},
      {"OPENROUTER_API_KEY", "", "unset", "upstream key (secret)"},
      {"OPENROUTER_BASE_URL", "base_url (.env only)", "https://openrouter.ai/api/v1",
       "OpenAI-compatible base URL"},
      {"OPENROUTER_APP_URL", "HTTP_REFERER, REFERER (.env only)", "unset", "sent as HTTP-Referer"},
      {"OPENROUTER_APP_TITLE", "X_TITLE", "unset", "sent as X-Title"},
      {"OPENROUTER_DEFAULT_MODEL", "default_model (.env only)", "openrouter/auto", "default model"},
      {"OPENROUTER_SYSTEM_PROMPT", "system_prompt (.env only)", "built in", "default system prompt"},
      {"OPENROUTER_TIMEOUT", "timeout (.env only)", "120", "upstream read timeout, seconds"},
      {"MODEL_SETTINGS_PATH", "", "data/model_settings.json", "model settings document"},
      {"PRESETS_PATH", "", "data/presets.json", "presets document"},
      {"SUGGESTIONS_PATH", "", "data/suggestions.json", "suggestions document"},
      {"MCP_SERVERS_PATH", "", "data/mcp_servers.json", "MCP server definitions"},
      {"CHAT_DATABASE_PATH", "chat_db (.env only)", "data/chat_sessions.db", "SQLite file"},
      {"CONVERSATION_LOG_DIR", "", "logs/conversations", "conversation logs"},
      {"ATTACHMENTS_MAX_SIZE_BYTES", "", "10485760", "upload limit"},
      {"ATTACHMENTS_RETENTION_DAYS", "", "7", "attachment lifetime (0 = forever)"},
      {"LEGACY_ATTACHMENTS_DIR", "", "data/uploads", "folder readable by the pdf server"},
      {"GCS_BUCKET_NAME", "", "openrouter-chat", "gcs bucket"},
      {"GCP_PROJECT_ID", "", "unset", "informational"},
      {"GOOGLE_APPLICATION_CREDENTIALS", "", "credentials/googlecloud/sa.json", "service-account key"},
      {"GCS_ENDPOINT", "", "https://storage.googleapis.com", "GCS host"},
      {"S3_ENDPOINT", "", "AWS endpoint of the region", "S3 host"},
      {"S3_BUCKET", "", "unset", "S3 bucket"},
      {"S3_REGION", "", "us-east-1", "S3 region"},
      {"S3_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID", "unset", "S3 key id (secret)"},
      {"S3_SECRET_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY", "unset", "S3 secret (secret)"},
      {"S3_FORCE_PATH_STYLE", "", "true", "path-style addressing"},
      {"IMAGE_DOWNLOAD_ALLOWED_HOSTS", "", "any public host", "JSON array or comma list"},
      {"IMAGE_DOWNLOAD_TIMEOUT_SECONDS", "", "15", "generated-image download timeout"},
      {"IMAGE_DOWNLOAD_MAX_BYTES", "", "10485760", "generated-image size limit"},
      {"DEEPGRAM_API_KEY", "", "unset", "Deepgram key (secret)"},
      {"DEEPGRAM_TOKEN_TTL", "deepgram_token_ttl", "30", "token lifetime (1-3600 s)"},
      {"DEEPGRAM_ALLOW_APIKEY_FALLBACK", "DEEPGRAM_DEV_APIKEY_FALLBACK", "false",
       "hand out the key when grant fails"},
      {"DEEPGRAM_BASE_URL", "", "https://api.deepgram.com", "Deepgram API base"},
      {"PARLEY_DEEPGRAM_TIMEOUT_SECONDS", "", "30", "deadline of a Deepgram token request"},
      {"FRONTEND_URL", "", "PARLEY_PUBLIC_URL or http://localhost:8000", "OAuth result redirects"},
      {"GOOGLE_OAUTH_REDIRECT_URI", "", "http://localhost:8000/api/google-auth/callback", "OAuth callback"},
      {"GOOGLE_DEFAULT_USER_EMAIL", "", "unset", "default user of the Google tools"},
      {"GOOGLE_API_BASE_URL", "", "https://www.googleapis.com",
       "base of the Calendar, Tasks, Gmail and Drive APIs"},
      {"PARLEY_GOOGLE_TIMEOUT_SECONDS", "", "30", "deadline of one Google API or token request"},
  };
  return vars;
}

}  // namespace parley
