// Stored MCP authorizations as PostgreSQL settings rows (mcp/oauth TokenRows, `mcp_oauth:<key>`): two stores
// with their own connections stand for two replicas, so what one saves the other loads, a forgotten record is
// gone for both, and a row that is not a usable record is reported, never used. Needs the private server of
// tests/lib/postgres.sh (PARLEY_TEST_POSTGRES_URL); fails, never skips, without it.
#include <gtest/gtest.h>

#include "core/secret_values.hpp"
#include "mcp/oauth/token_store.hpp"
#include "store/open_repository.hpp"
#include "store/settings_table.hpp"
#include "store_test_support.hpp"

namespace parley::mcp::oauth {
namespace {

StoredAuthorization sample(const std::string& url, const std::string& access) {
  StoredAuthorization r;
  r.server_url = url;
  r.resource = url;
  r.issuer = "https://as.example.com";
  r.token_endpoint = "https://as.example.com/token";
  r.client.client_id = "client-rows-1";
  r.client.client_secret = "client-secret-rows-value";
  r.client.token_endpoint_auth_method = "client_secret_post";
  r.client.registration = "dynamic";
  r.access_token = access;
  r.refresh_token = "refresh-of-" + access;
  r.expires_at = std::chrono::system_clock::now() + std::chrono::hours(1);
  r.scope = "read write";
  return r;
}

class McpOAuthTokenRowsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* url = store::test_support::postgres_url();
    ASSERT_NE(url, nullptr) << "PARLEY_TEST_POSTGRES_URL is not set: run `eval \"$(tests/lib/postgres.sh "
                               "start)\"` first";
    url_ = url;
    store::test_support::reset_postgres(url_);
    store::open_postgres_repository(url_, 1);  // the migrations create the settings table
  }
  std::string url_;
};

TEST_F(McpOAuthTokenRowsTest, WhatOneReplicaSavesAnotherLoadsAndForgets) {
  store::PostgresDocumentStore table_a(url_), table_b(url_);
  TokenRows a(table_a), b(table_b);
  const std::string server = "https://mcp.example.com/mcp";
  std::string problem;
  EXPECT_FALSE(b.load(server, problem).has_value());
  EXPECT_TRUE(problem.empty()) << problem;

  ASSERT_TRUE(a.save(sample("https://MCP.example.com:443/mcp", "access-rows-0001")));
  EXPECT_EQ(b.where(server), "the PostgreSQL settings row 'mcp_oauth:" + token_store_key(server) + "'");
  auto seen = b.load(server, problem);
  ASSERT_TRUE(seen.has_value()) << problem;
  EXPECT_EQ(seen->access_token, "access-rows-0001");
  EXPECT_EQ(seen->client.client_secret, "client-secret-rows-value");
  EXPECT_EQ(seen->scope, "read write");
  EXPECT_TRUE(known_secrets().contains_any("x access-rows-0001 y"));

  // A refresh on B replaces the row; A sees the new token.
  ASSERT_TRUE(b.save(sample(server, "access-rows-0002")));
  auto refreshed = a.load(server, problem);
  ASSERT_TRUE(refreshed.has_value()) << problem;
  EXPECT_EQ(refreshed->access_token, "access-rows-0002");

  ASSERT_TRUE(a.forget(server));
  EXPECT_FALSE(b.load(server, problem).has_value());
  EXPECT_TRUE(problem.empty()) << problem;
  // The other server's record is untouched by all this.
  ASSERT_TRUE(a.save(sample("https://other.example.com/mcp", "access-rows-other")));
  EXPECT_FALSE(b.load(server, problem).has_value());
  EXPECT_TRUE(b.load("https://other.example.com/mcp", problem).has_value()) << problem;
}

TEST_F(McpOAuthTokenRowsTest, ARowThatIsNoRecordIsReportedNotUsed) {
  store::PostgresDocumentStore table(url_);
  TokenRows rows(table);
  const std::string server = "https://broken.example.com/mcp";
  const std::string name = "mcp_oauth:" + token_store_key(server);
  // (The column is json: text that is not JSON cannot be stored, so it cannot be read either.)
  for (const std::string text :
       {"[1,2]", R"({"server_url": 7})", "\"a string\"",
        R"({"server_url":"https://elsewhere.example.com/mcp","access_token":"x"})"}) {
    ASSERT_FALSE(table.write(name, text));
    std::string problem;
    EXPECT_FALSE(rows.load(server, problem).has_value()) << text;
    EXPECT_FALSE(problem.empty()) << text;
  }
}

}  // namespace
}  // namespace parley::mcp::oauth
