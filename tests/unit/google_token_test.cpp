// Google token files (google/token, api.md §4.5): what the system parley replaces wrote loads as it is
// (`scopes` list or `scope` string, expiry with or without fraction and zone, fields missing), the form
// parley writes reads back the same, and hostile files are refused with the field named. No I/O: the old
// files' texts are inline (as in tests/data/google/*.legacy.json).
#include <gtest/gtest.h>

#include <string>

#include "google/token.hpp"

namespace parley::google {
namespace {

using std::chrono::seconds;

SystemTime utc(const char* iso) {
  return *parse_timestamp(iso);
}

const std::string kScopeList =
    R"(["https://www.googleapis.com/auth/calendar", "https://www.googleapis.com/auth/tasks", )"
    R"("https://www.googleapis.com/auth/gmail.readonly", "https://www.googleapis.com/auth/gmail.modify", )"
    R"("https://www.googleapis.com/auth/gmail.send", "https://www.googleapis.com/auth/gmail.compose", )"
    R"("https://www.googleapis.com/auth/gmail.labels", "https://www.googleapis.com/auth/drive"])";

std::optional<StoredToken> parse(const std::string& text, std::string* why = nullptr) {
  std::string error;
  auto t = parse_token(text, error);
  if (why) *why = error;
  return t;
}

TEST(GoogleToken, OldFileWithAScopesListAndAFractionalUtcExpiry) {
  const auto t = parse(R"({"token": "ya29.legacy-access", "refresh_token": "1//legacy-refresh", )"
                       R"("token_uri": "https://oauth2.googleapis.com/token", "client_id": "c.apps", )"
                       R"("client_secret": "cs", "scopes": )" +
                       kScopeList +
                       R"(, "universe_domain": "googleapis.com", "account": "", )"
                       R"("expiry": "2020-01-01T00:00:00.123456Z"})");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->token, "ya29.legacy-access");
  EXPECT_EQ(t->refresh_token, "1//legacy-refresh");
  EXPECT_EQ(t->token_uri, "https://oauth2.googleapis.com/token");
  EXPECT_EQ(t->client_id, "c.apps");
  EXPECT_EQ(t->client_secret, "cs");
  EXPECT_EQ(t->scopes, required_scopes());
  EXPECT_TRUE(missing_scopes(*t).empty());
  ASSERT_TRUE(t->expiry);
  EXPECT_EQ(*t->expiry, utc("2020-01-01T00:00:00Z") + std::chrono::microseconds(123456));
}

TEST(GoogleToken, OldFileWithAScopeStringAndAnExpiryWithoutZoneIsUtc) {
  std::string scope_string;
  for (const auto& s : required_scopes()) scope_string += (scope_string.empty() ? "" : "  ") + s;
  const auto t = parse(R"({"token": "a", "refresh_token": "r", "scope": ")" + scope_string +
                       R"( ", "expiry": "2099-01-01T00:00:00"})");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->scopes, required_scopes());
  EXPECT_EQ(*t->expiry, utc("2099-01-01T00:00:00Z"));
  EXPECT_EQ(t->universe_domain, "googleapis.com");  // missing: the default
  EXPECT_EQ(t->account, "");
}

TEST(GoogleToken, ExpiryFormsOfEveryWriter) {
  const auto expiry_of = [](const std::string& e) {
    return parse(R"({"token": "a", "expiry": ")" + e + R"("})")->expiry;
  };
  EXPECT_EQ(expiry_of("2030-05-01T10:00:00Z"), utc("2030-05-01T10:00:00Z"));
  EXPECT_EQ(expiry_of("2030-05-01T10:00:00.5Z"),
            utc("2030-05-01T10:00:00Z") + std::chrono::milliseconds(500));
  EXPECT_EQ(expiry_of("2030-05-01T10:00:00.123456789"),
            utc("2030-05-01T10:00:00Z") + std::chrono::microseconds(123456));
  EXPECT_EQ(expiry_of("2030-05-01T12:00:00+02:00"), utc("2030-05-01T10:00:00Z"));
  EXPECT_EQ(expiry_of("2030-05-01T05:30:00-04:30"), utc("2030-05-01T10:00:00Z"));
  EXPECT_EQ(expiry_of("2030-05-01 10:00:00"), utc("2030-05-01T10:00:00Z"));
  // No expiry, or null: google-auth treats the access token as valid.
  EXPECT_FALSE(parse(R"({"token": "a"})")->expiry);
  EXPECT_FALSE(parse(R"({"token": "a", "expiry": null})")->expiry);
}

TEST(GoogleToken, MissingFieldsLoadAndMissingScopesAreNamed) {
  const auto only_refresh = parse(R"({"refresh_token": "r"})");
  ASSERT_TRUE(only_refresh);
  EXPECT_EQ(only_refresh->token, "");
  EXPECT_TRUE(needs_refresh(*only_refresh, utc("2030-01-01T00:00:00Z"), seconds(60)));
  EXPECT_EQ(missing_scopes(*only_refresh), required_scopes());

  const auto calendar_only =
      parse(R"({"token": "a", "scopes": ["https://www.googleapis.com/auth/calendar"], "account": null})");
  ASSERT_TRUE(calendar_only);
  const auto missing = missing_scopes(*calendar_only);
  ASSERT_EQ(missing.size(), 7u);
  EXPECT_EQ(missing.front(), "https://www.googleapis.com/auth/tasks");
  EXPECT_EQ(missing.back(), "https://www.googleapis.com/auth/drive");

  std::string why;
  EXPECT_FALSE(parse(R"({"token_uri": "u", "scopes": []})", &why));
  EXPECT_EQ(why, "the token file has neither 'token' nor 'refresh_token'");
  EXPECT_FALSE(parse(R"({"token": "", "refresh_token": null})", &why));
}

TEST(GoogleToken, WhatParleyWritesReadsBackTheSame) {
  StoredToken t;
  t.token = "ya29.new";
  t.refresh_token = "1//r";
  t.token_uri = "https://oauth2.googleapis.com/token";
  t.client_id = "id";
  t.client_secret = "secret";
  t.scopes = required_scopes();
  t.account = "user@example.com";
  t.expiry = utc("2030-05-01T10:00:00Z") + std::chrono::microseconds(250000);
  const auto text = serialize_token(t);
  EXPECT_NE(text.find(R"("expiry":"2030-05-01T10:00:00.250000Z")"), std::string::npos) << text;
  const auto back = parse(text);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->token, t.token);
  EXPECT_EQ(back->refresh_token, t.refresh_token);
  EXPECT_EQ(back->token_uri, t.token_uri);
  EXPECT_EQ(back->client_id, t.client_id);
  EXPECT_EQ(back->client_secret, t.client_secret);
  EXPECT_EQ(back->scopes, t.scopes);
  EXPECT_EQ(back->account, t.account);
  EXPECT_EQ(back->expiry, t.expiry);
  t.expiry.reset();
  EXPECT_EQ(serialize_token(t).find("expiry"), std::string::npos);
}

TEST(GoogleToken, HostileFilesAreRefusedWithTheFieldNamed) {
  struct Case {
    std::string text, why;
  };
  const Case cases[] = {
      {"", ""},
      {"not json", ""},
      {"[]", "the token file is not a JSON object"},
      {R"("ya29.x")", "the token file is not a JSON object"},
      {R"({"token": "a"} trailing)", ""},
      {R"({"token": 42})", "'token' must be a string"},
      {R"({"token": "a", "refresh_token": ["r"]})", "'refresh_token' must be a string"},
      {R"({"token": "a", "client_secret": {}})", "'client_secret' must be a string"},
      {R"({"token": "a", "scopes": [1]})", "'scopes' must be a list of strings"},
      {R"({"token": "a", "scopes": ["x", null]})", "'scopes' must be a list of strings"},
      {R"({"token": "a", "scopes": {"a": 1}})", "'scopes' must be a list of strings"},
      {R"({"token": "a", "expiry": 1700000000})", "'expiry' must be a string"},
      {R"({"token": "a", "expiry": "tomorrow"})", "'expiry' is not an ISO-8601 time: tomorrow"},
      {R"({"token": "a", "expiry": "2030-13-01T00:00:00Z"})",
       "'expiry' is not an ISO-8601 time: 2030-13-01T00:00:00Z"},
      {R"({"token": "a", "expiry": "2030-05-01T10:00:00Zjunk"})", ""},
      {R"({"token": "a", "expiry": "2030-05-01T10:00:00+0200"})", ""},
      {R"({"token": "a", "expiry": "2030-05-01T10:00:00."})", ""},
      // A line break in a token would go into the Authorization header of every Google request.
      {R"({"token": "a\r\nX-Injected: 1"})", "'token' contains a control character"},
      {R"({"token": "a", "refresh_token": "r\n"})", "'refresh_token' contains a control character"},
      {R"({"token": "a\u0000b"})", "'token' contains a control character"},
      {"{\"token\": \"\xff\"}", ""},
  };
  for (const auto& c : cases) {
    std::string why;
    EXPECT_FALSE(parse(c.text, &why)) << c.text;
    EXPECT_FALSE(why.empty()) << c.text;
    if (!c.why.empty()) {
      EXPECT_EQ(why, c.why) << c.text;
    }
  }
  // Deep nesting and a huge value neither crash nor load.
  std::string why;
  EXPECT_FALSE(parse(std::string(100000, '[') + std::string(100000, ']'), &why));
  EXPECT_FALSE(parse(R"({"token": ")" + std::string(1 << 20, 'a') + R"(", "scopes": 5})", &why));
  EXPECT_EQ(why, "'scopes' must be a list of strings");
  // Unknown keys are ignored, as google-auth ignores them.
  EXPECT_TRUE(parse(R"({"token": "a", "_class": "Credentials", "rapt_token": null, "extra": [1, {}]})"));
}

TEST(GoogleToken, UserEmailsNameTokenFilesSafely) {
  EXPECT_EQ(user_email_problem("user@example.com"), "");
  EXPECT_EQ(token_file_stem("first.last@example.co.uk"), "first_last_at_example_co_uk");
  const std::string bad_emails[] = {"",
                                    "no-at-sign",
                                    "../../etc/passwd@x",
                                    "a\\b@x",
                                    "a@x\n",
                                    std::string("a@x\0y", 5),
                                    std::string(250, 'a') + "@x.com"};
  for (const auto& bad : bad_emails) {
    EXPECT_NE(user_email_problem(bad), "") << bad;
  }
}

TEST(GoogleToken, RefreshIsNeededShortlyBeforeExpiry) {
  StoredToken t;
  t.token = "a";
  const auto now = utc("2030-05-01T10:00:00Z");
  EXPECT_FALSE(needs_refresh(t, now, seconds(300)));  // no expiry: valid
  t.expiry = now + seconds(301);
  EXPECT_FALSE(needs_refresh(t, now, seconds(300)));
  t.expiry = now + seconds(300);
  EXPECT_TRUE(needs_refresh(t, now, seconds(300)));
  t.expiry = now - seconds(1);
  EXPECT_TRUE(needs_refresh(t, now, seconds(0)));
}

}  // namespace
}  // namespace parley::google
