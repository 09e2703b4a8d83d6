// Google tokens as PostgreSQL settings rows (google/token_store's DocumentTokenStore, `google_token:<user>`):
// two stores with their own connections stand for two replicas (or a replica and a built-in server
// process): what one saves the other loads, a token file of the install before PostgreSQL is imported once on
// first use, and a removal is seen everywhere and is not undone by a file import. Needs the private server of
// tests/lib/postgres.sh (PARLEY_TEST_POSTGRES_URL); fails, never skips, without it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/secret_values.hpp"
#include "google/token_store.hpp"
#include "store/open_repository.hpp"
#include "store/settings_table.hpp"
#include "store_test_support.hpp"

namespace parley::google {
namespace {

namespace fs = std::filesystem;

const char* const kLegacyFile =
    R"({"token": "ya29.rows-legacy-access-0001", "refresh_token": "1//rows-legacy-refresh-0001", )"
    R"("token_uri": "https://oauth2.googleapis.com/token", "client_id": "legacy.apps", "client_secret": "cs-rows", )"
    R"("scope": "https://www.googleapis.com/auth/calendar https://www.googleapis.com/auth/drive", )"
    R"("expiry": "2030-01-01T00:00:00"})";

class GoogleTokenRowsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* url = store::test_support::postgres_url();
    ASSERT_NE(url, nullptr) << "PARLEY_TEST_POSTGRES_URL is not set: run `eval \"$(tests/lib/postgres.sh "
                               "start)\"` first";
    url_ = url;
    store::test_support::reset_postgres(url_);
    store::open_postgres_repository(url_, 1);  // the migrations create the settings table
    static int counter = 0;
    dir_ = fs::temp_directory_path() /
           ("parley-google-rows-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "a" / "tokens");
    fs::create_directories(dir_ / "b" / "tokens");
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write_file(const fs::path& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
  }
  std::string row_text(const std::string& name) {
    store::PostgresDocumentStore table(url_);
    ReadError error;
    auto doc = table.read(name, error);
    EXPECT_TRUE(error.empty()) << error.message;
    return doc ? doc->text : "<absent>";
  }

  static StoredToken token(const std::string& access) {
    StoredToken t;
    t.token = access;
    t.refresh_token = "1//refresh-of-" + access;
    t.token_uri = "https://oauth2.googleapis.com/token";
    t.client_id = "id.apps";
    t.client_secret = "client-secret-rows";
    t.scopes = required_scopes();
    t.expiry = *parse_timestamp("2030-05-01T10:00:00.5Z");
    return t;
  }

  std::string url_;
  fs::path dir_;
};

TEST_F(GoogleTokenRowsTest, WhatOneReplicaSavesAnotherLoads) {
  store::PostgresDocumentStore rows_a(url_), rows_b(url_);
  DocumentTokenStore a(rows_a, dir_ / "a" / "tokens");
  DocumentTokenStore b(rows_b, dir_ / "b" / "tokens");
  EXPECT_FALSE(b.load("first.last@example.com").token);

  ASSERT_FALSE(a.save("first.last@example.com", token("ya29.rows-first-0001")));
  EXPECT_NE(row_text("google_token:first_last_at_example_com").find("ya29.rows-first-0001"),
            std::string::npos);
  auto read = b.load("first.last@example.com");
  ASSERT_TRUE(read.token) << read.error;
  EXPECT_EQ(read.token->token, "ya29.rows-first-0001");
  EXPECT_EQ(read.token->refresh_token, "1//refresh-of-ya29.rows-first-0001");
  EXPECT_EQ(read.token->scopes, required_scopes());
  EXPECT_EQ(read.token->expiry, parse_timestamp("2030-05-01T10:00:00.5Z"));
  // Nothing was written as a file on either side: the rows are the store.
  EXPECT_TRUE(fs::is_empty(dir_ / "a" / "tokens"));
  EXPECT_TRUE(fs::is_empty(dir_ / "b" / "tokens"));

  // A refresh on the other replica replaces the row; the first one sees it on its next load.
  ASSERT_FALSE(b.save("first.last@example.com", token("ya29.rows-refreshed-0002")));
  EXPECT_EQ(a.load("first.last@example.com").token->token, "ya29.rows-refreshed-0002");
  // Another user's row is its own.
  EXPECT_FALSE(a.load("other@example.com").token);
  // Loaded tokens are masked in everything parley writes out.
  EXPECT_EQ(known_secrets().scrubbed("Bearer ya29.rows-refreshed-0002"), "Bearer [REDACTED]");
}

TEST_F(GoogleTokenRowsTest, ATokenFileIsImportedOnFirstUseAndTheRowWinsAfterwards) {
  write_file(dir_ / "a" / "tokens" / "user_at_example_com.json", kLegacyFile);
  store::PostgresDocumentStore rows_a(url_), rows_b(url_);
  DocumentTokenStore a(rows_a, dir_ / "a" / "tokens");
  DocumentTokenStore b(rows_b, dir_ / "b" / "tokens");  // a replica without the file

  EXPECT_FALSE(b.load("user@example.com").token);  // not imported yet, and b has no file
  auto first = a.load("user@example.com");
  ASSERT_TRUE(first.token) << first.error;
  EXPECT_EQ(first.token->token, "ya29.rows-legacy-access-0001");
  EXPECT_EQ(first.token->scopes.size(), 2u);
  EXPECT_EQ(first.token->expiry, parse_timestamp("2030-01-01T00:00:00Z"));
  // Copied into the row, in parley's form.
  const auto row = row_text("google_token:user_at_example_com");
  std::string why;
  const auto in_row = parse_token(row, why);
  ASSERT_TRUE(in_row) << why << ": " << row;
  EXPECT_EQ(in_row->token, "ya29.rows-legacy-access-0001");
  EXPECT_EQ(in_row->scopes, first.token->scopes);
  EXPECT_NE(row.find("\"scopes\""), std::string::npos) << row;  // parley's form, not the old `scope`
  auto on_b = b.load("user@example.com");
  ASSERT_TRUE(on_b.token) << on_b.error;
  EXPECT_EQ(on_b.token->refresh_token, "1//rows-legacy-refresh-0001");

  // Once the row exists the file is not read again: a later save on b is what a loads.
  ASSERT_FALSE(b.save("user@example.com", token("ya29.rows-after-import-0003")));
  EXPECT_EQ(a.load("user@example.com").token->token, "ya29.rows-after-import-0003");
}

TEST_F(GoogleTokenRowsTest, RemovalIsSeenEverywhereAndTheOldFileIsNotImportedAgain) {
  const auto file = dir_ / "a" / "tokens" / "user_at_example_com.json";
  write_file(file, kLegacyFile);
  store::PostgresDocumentStore rows_a(url_), rows_b(url_);
  DocumentTokenStore a(rows_a, dir_ / "a" / "tokens");
  DocumentTokenStore b(rows_b, dir_ / "b" / "tokens");
  ASSERT_TRUE(a.load("user@example.com").token);

  ASSERT_FALSE(b.remove("user@example.com"));
  EXPECT_EQ(row_text("google_token:user_at_example_com"), "null");
  const auto gone_a = a.load("user@example.com");
  EXPECT_FALSE(gone_a.token);
  EXPECT_EQ(gone_a.error, "");
  EXPECT_FALSE(b.load("user@example.com").token);

  // The replica that had the file removes it too; and even a file that is still there (another machine's
  // data/tokens/) does not bring the removed token back.
  ASSERT_FALSE(a.remove("user@example.com"));
  EXPECT_FALSE(fs::exists(file));
  write_file(file, kLegacyFile);
  EXPECT_FALSE(a.load("user@example.com").token);
  EXPECT_EQ(row_text("google_token:user_at_example_com"), "null");

  // Removing what is not there is not an error; authorizing again writes the row again.
  EXPECT_FALSE(b.remove("nobody@example.com"));
  ASSERT_FALSE(a.save("user@example.com", token("ya29.rows-again-0004")));
  EXPECT_EQ(b.load("user@example.com").token->token, "ya29.rows-again-0004");
}

TEST_F(GoogleTokenRowsTest, AnUnreadableRowIsAnErrorThatNamesTheRow) {
  store::PostgresDocumentStore rows(url_);
  ASSERT_FALSE(rows.write("google_token:user_at_example_com", R"({"token": 5})"));
  DocumentTokenStore store(rows, dir_ / "a" / "tokens");
  const auto read = store.load("user@example.com");
  EXPECT_FALSE(read.token);
  EXPECT_NE(read.error.find("google_token:user_at_example_com"), std::string::npos) << read.error;
  EXPECT_NE(read.error.find("'token' must be a string"), std::string::npos) << read.error;
}

}  // namespace
}  // namespace parley::google
