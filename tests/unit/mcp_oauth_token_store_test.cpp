// Stored MCP authorizations: 0600 files in a 0700 folder, keyed by the server's canonical URL, secrets known
// to the redactor as soon as they are read or written, and records that are broken or belong to another
// server never used.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/secret_values.hpp"
#include "mcp/oauth/token_store.hpp"

namespace fs = std::filesystem;
using namespace parley::mcp::oauth;

namespace {

fs::path fresh_dir(const std::string& name) {
  auto p = fs::temp_directory_path() / ("parley-oauth-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(p);
  return p;
}

StoredAuthorization sample(const std::string& url) {
  StoredAuthorization r;
  r.server_url = url;
  r.resource = url;
  r.issuer = "https://as.example.com";
  r.token_endpoint = "https://as.example.com/token";
  r.client.client_id = "client-1";
  r.client.client_secret = "client-secret-value-1";
  r.client.token_endpoint_auth_method = "client_secret_basic";
  r.client.registration = "dynamic";
  r.access_token = "access-token-value-1";
  r.refresh_token = "refresh-token-value-1";
  r.expires_at = std::chrono::system_clock::now() + std::chrono::hours(1);
  r.scope = "a b";
  return r;
}

}  // namespace

TEST(McpOAuthTokenStore, FilesArePrivateAndRoundTrip) {
  const auto dir = fresh_dir("files");
  TokenFiles files(dir / "mcp_oauth");
  ASSERT_TRUE(files.save(sample("https://MCP.example.com:443/mcp")));
  struct stat st {};
  ASSERT_EQ(::stat(files.where("https://mcp.example.com/mcp").c_str(), &st), 0);  // same key, canonical URL
  EXPECT_EQ(st.st_mode & 0777U, 0600U);
  ASSERT_EQ(::stat((dir / "mcp_oauth").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777U, 0700U);
  std::string problem;
  auto back = files.load("https://mcp.example.com/mcp", problem);
  ASSERT_TRUE(back.has_value()) << problem;
  EXPECT_EQ(back->access_token, "access-token-value-1");
  EXPECT_EQ(back->client.client_secret, "client-secret-value-1");
  EXPECT_FALSE(back->expired(std::chrono::system_clock::now()));
  EXPECT_TRUE(back->expired(std::chrono::system_clock::now() + std::chrono::hours(2)));
  EXPECT_TRUE(parley::known_secrets().contains_any("x access-token-value-1 y"));
  EXPECT_TRUE(parley::known_secrets().contains_any("refresh-token-value-1"));
  ASSERT_TRUE(files.forget("https://mcp.example.com/mcp"));
  EXPECT_FALSE(files.load("https://mcp.example.com/mcp", problem).has_value());
  EXPECT_TRUE(problem.empty());
  fs::remove_all(dir);
}

TEST(McpOAuthTokenStore, BrokenOrForeignRecordsAreNotUsed) {
  const auto dir = fresh_dir("broken");
  TokenFiles files(dir);
  ASSERT_TRUE(files.save(sample("https://a.example.com/mcp")));
  // A record copied over the file of another server (same key path, other URL inside) is refused.
  fs::copy_file(files.where("https://a.example.com/mcp"), files.where("https://b.example.com/mcp"));
  std::string problem;
  EXPECT_FALSE(files.load("https://b.example.com/mcp", problem).has_value());
  EXPECT_NE(problem.find("another server"), std::string::npos);
  for (const char* text :
       {"not json", "[]", R"({"server_url":"https://a.example.com/mcp"})",
        R"({"server_url":"https://a.example.com/mcp","token_endpoint":"https://t","expires_at":"soon"})"}) {
    std::ofstream(files.where("https://a.example.com/mcp"), std::ios::trunc) << text;
    EXPECT_FALSE(files.load("https://a.example.com/mcp", problem).has_value()) << text;
    EXPECT_FALSE(problem.empty()) << text;
  }
  fs::remove_all(dir);
}
