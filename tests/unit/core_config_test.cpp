#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/config.hpp"
#include "core/dotenv.hpp"

using namespace parley;
namespace fs = std::filesystem;

namespace {

class TempHome {
 public:
  TempHome() {
    path = fs::temp_directory_path() /
           ("parley-config-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::create_directories(path);
  }
  ~TempHome() { fs::remove_all(path); }
  void write(const std::string& name, const std::string& text) const { std::ofstream(path / name) << text; }
  EnvMap env(EnvMap extra = {}) const {
    extra["PARLEY_HOME"] = path.string();
    return extra;
  }
  fs::path path;
  static inline int counter = 0;
};

}  // namespace

TEST(Dotenv, ParsesQuotesCommentsExportAndEscapes) {
  auto r = parse_dotenv(
      "# comment\n\nexport A=1\nB = \"two words\"\nC='single # not comment'\nD=plain # trailing comment\n"
      "E=\"line\\nbreak\"\nbroken line\nF=\"unterminated\n");
  ASSERT_EQ(r.entries.size(), 5u);
  EXPECT_EQ(r.entries[0].key, "A");
  EXPECT_EQ(r.entries[0].value, "1");
  EXPECT_EQ(r.entries[1].value, "two words");
  EXPECT_EQ(r.entries[2].value, "single # not comment");
  EXPECT_EQ(r.entries[3].value, "plain");
  EXPECT_EQ(r.entries[4].value, "line\nbreak");
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_NE(r.errors[0].find("line 8"), std::string::npos);
}

// Found by tests/fuzz/dotenv_fuzz (corpus/dotenv/regress-escaped-quote): an escaped quote ended the value,
// so KEY="sk-\"x\"" read as `sk-\` and the rest of the secret was dropped without an error.
TEST(Dotenv, AnEscapedQuoteDoesNotEndADoubleQuotedValue) {
  auto r = parse_dotenv("A=\"sk-\\\"x\\\"\"\nB=\"C:\\\\dir\\\\\" # comment\nC=\"open \\\"\n");
  ASSERT_EQ(r.entries.size(), 2u);
  EXPECT_EQ(r.entries[0].value, "sk-\"x\"");
  EXPECT_EQ(r.entries[1].value, "C:\\dir\\");
  ASSERT_EQ(r.errors.size(), 1u);  // the quote of line 3 is escaped: nothing closes the value
  EXPECT_NE(r.errors[0].find("line 3: unterminated quote"), std::string::npos);
}

TEST(Config, DefaultsMatchTheSpec) {
  TempHome home;
  auto r = load_config(home.env());
  ASSERT_TRUE(r.config) << (r.errors.empty() ? "" : r.errors[0]);
  const auto& c = *r.config;
  EXPECT_EQ(c.host, "127.0.0.1");
  EXPECT_EQ(c.port, 8000);
  EXPECT_EQ(c.max_tool_hops, 8);
  EXPECT_EQ(c.chat_max_body_bytes, 67108864u);
  EXPECT_EQ(c.max_body_bytes, 1048576u);
  EXPECT_EQ(c.default_model, "openrouter/auto");
  EXPECT_EQ(c.openrouter_base_url, "https://openrouter.ai/api/v1");
  EXPECT_EQ(c.sqlite_path, home.path / "data/chat_sessions.db");
  EXPECT_EQ(c.model_settings_path, home.path / "data/model_settings.json");
  EXPECT_EQ(c.s3_endpoint, "https://s3.us-east-1.amazonaws.com");
  EXPECT_EQ(c.frontend_url, "http://localhost:8000");
  EXPECT_EQ(c.database_kind, DatabaseKind::sqlite);
  EXPECT_NE(c.default_system_prompt.find("OpenRouter best practices"), std::string::npos);
}

TEST(Config, EnvironmentWinsOverDotenvAndNamesAreCaseInsensitive) {
  TempHome home;
  home.write(".env", "OPENROUTER_TIMEOUT=30\nparley_port=9001\nOPENROUTER_APP_TITLE=dotenv\n");
  auto r = load_config(home.env({{"openrouter_app_title", "env"}}));
  ASSERT_TRUE(r.config);
  EXPECT_EQ(r.config->openrouter_timeout_seconds, 30);
  EXPECT_EQ(r.config->port, 9001);
  EXPECT_EQ(r.config->openrouter_app_title, "env");
}

TEST(Config, GenericAliasesOnlyFromDotenv) {
  TempHome home;
  auto from_env = load_config(home.env({{"timeout", "33"}, {"base_url", "http://env.example/v1"}}));
  ASSERT_TRUE(from_env.config);
  EXPECT_EQ(from_env.config->openrouter_timeout_seconds, 120);
  EXPECT_EQ(from_env.config->openrouter_base_url, "https://openrouter.ai/api/v1");

  home.write(".env", "timeout=33\nbase_url=http://dotenv.example/v1/\nX_TITLE=titled\n");
  auto from_file = load_config(home.env());
  ASSERT_TRUE(from_file.config);
  EXPECT_EQ(from_file.config->openrouter_timeout_seconds, 33);
  EXPECT_EQ(from_file.config->openrouter_base_url, "http://dotenv.example/v1");
  EXPECT_EQ(from_file.config->openrouter_app_title, "titled");
  EXPECT_EQ(from_file.config->notices.size(), 2u);
}

TEST(Config, EveryProblemIsReportedWithTheVariableName) {
  TempHome home;
  auto r = load_config(home.env({{"PARLEY_PORT", "70000"},
                                 {"PARLEY_ALLOW_NO_AUTH", "perhaps"},
                                 {"ATTACHMENTS_RETENTION_DAYS", "-1"},
                                 {"PRESETS_PATH", "../../etc/presets.json"},
                                 {"PARLEY_CORS_ORIGINS", "https://ok.example, not a url"}}));
  EXPECT_FALSE(r.config);
  ASSERT_EQ(r.errors.size(), 5u);
  const std::string all = r.errors[0] + r.errors[1] + r.errors[2] + r.errors[3] + r.errors[4];
  for (const char* name : {"PARLEY_PORT", "PARLEY_ALLOW_NO_AUTH", "ATTACHMENTS_RETENTION_DAYS",
                           "PRESETS_PATH", "PARLEY_CORS_ORIGINS"}) {
    EXPECT_NE(all.find(name), std::string::npos) << name;
  }
}

TEST(Config, BooleansAcceptEveryDocumentedSpelling) {
  TempHome home;
  for (const auto& [text, expected] : std::vector<std::pair<std::string, bool>>{{"1", true},
                                                                                {"true", true},
                                                                                {"YES", true},
                                                                                {"on", true},
                                                                                {"0", false},
                                                                                {"False", false},
                                                                                {"no", false},
                                                                                {"OFF", false}}) {
    auto r = load_config(home.env({{"PARLEY_TRUST_PROXY", text}}));
    ASSERT_TRUE(r.config) << text;
    EXPECT_EQ(r.config->trust_proxy, expected) << text;
  }
}

TEST(Config, DatabaseUrlSelectsTheBackend) {
  TempHome home;
  auto pg =
      load_config(home.env({{"PARLEY_DATABASE_URL", "postgresql://u:p@db:5432/parley?sslmode=require"}}));
  ASSERT_TRUE(pg.config);
  EXPECT_EQ(pg.config->database_kind, DatabaseKind::postgres);
  auto rel = load_config(home.env({{"PARLEY_DATABASE_URL", "sqlite:db/chat.db"}}));
  ASSERT_TRUE(rel.config);
  EXPECT_EQ(rel.config->sqlite_path, home.path / "db/chat.db");
  auto abs = load_config(home.env({{"PARLEY_DATABASE_URL", "sqlite:///var/lib/parley/chat.db"}}));
  ASSERT_TRUE(abs.config);
  EXPECT_EQ(abs.config->sqlite_path, fs::path("/var/lib/parley/chat.db"));
  auto legacy = load_config(home.env({{"CHAT_DATABASE_PATH", "old/chat.db"}}));
  ASSERT_TRUE(legacy.config);
  EXPECT_EQ(legacy.config->sqlite_path, home.path / "old/chat.db");
  EXPECT_FALSE(load_config(home.env({{"PARLEY_DATABASE_URL", "mysql://x"}})).config);
}

TEST(Config, ImageHostsAcceptJsonArrayOrCommaList) {
  TempHome home;
  auto a = load_config(home.env({{"IMAGE_DOWNLOAD_ALLOWED_HOSTS", R"(["a.example","b.example"])"}}));
  ASSERT_TRUE(a.config);
  EXPECT_EQ(a.config->image_download_allowed_hosts, (std::vector<std::string>{"a.example", "b.example"}));
  auto b = load_config(home.env({{"IMAGE_DOWNLOAD_ALLOWED_HOSTS", "a.example, b.example"}}));
  ASSERT_TRUE(b.config);
  EXPECT_EQ(b.config->image_download_allowed_hosts, (std::vector<std::string>{"a.example", "b.example"}));
  EXPECT_FALSE(load_config(home.env({{"IMAGE_DOWNLOAD_ALLOWED_HOSTS", "[1,2"}})).config);
}

TEST(Config, LoopbackDetection) {
  for (const char* h : {"127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "LocalHost"}) {
    EXPECT_TRUE(is_loopback_host(h)) << h;
  }
  for (const char* h : {"0.0.0.0", "::", "192.168.1.2", "example.com", "128.0.0.1"}) {
    EXPECT_FALSE(is_loopback_host(h)) << h;
  }
}

TEST(Config, SecretValuesAreCollectedForRedaction) {
  TempHome home;
  auto r =
      load_config(home.env({{"OPENROUTER_API_KEY", "sk-or-v1-abc"}, {"PARLEY_AUTH_TOKEN", "tok123456"}}));
  ASSERT_TRUE(r.config);
  auto secrets = r.config->secret_values();
  EXPECT_NE(std::find(secrets.begin(), secrets.end(), "sk-or-v1-abc"), secrets.end());
  EXPECT_NE(std::find(secrets.begin(), secrets.end(), "tok123456"), secrets.end());
}

TEST(Config, AnS3SecretEqualToTheKeyIdIsMaskedInLogsOnly) {
  TempHome home;
  auto distinct =
      load_config(home.env({{"S3_ACCESS_KEY_ID", "minio-user"}, {"S3_SECRET_ACCESS_KEY", "minio-secret"}}));
  ASSERT_TRUE(distinct.config);
  auto out = distinct.config->secret_values();
  auto logs = distinct.config->log_only_secret_values();
  EXPECT_NE(std::find(out.begin(), out.end(), "minio-secret"), out.end());
  EXPECT_EQ(std::find(out.begin(), out.end(), "minio-user"), out.end())
      << "the key id is in every presigned URL";
  EXPECT_NE(std::find(logs.begin(), logs.end(), "minio-user"), logs.end());
  // MinIO's defaults: the same value for both. Masking it in output would break every presigned URL.
  auto same =
      load_config(home.env({{"S3_ACCESS_KEY_ID", "minioadmin"}, {"S3_SECRET_ACCESS_KEY", "minioadmin"}}));
  ASSERT_TRUE(same.config);
  out = same.config->secret_values();
  logs = same.config->log_only_secret_values();
  EXPECT_EQ(std::find(out.begin(), out.end(), "minioadmin"), out.end());
  EXPECT_NE(std::find(logs.begin(), logs.end(), "minioadmin"), logs.end());
}
