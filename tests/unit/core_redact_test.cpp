// Redaction of long and hostile input (issue 15, defect 1): std::regex recursed once per character and a
// ~30,000-character credential ended the process; every pattern must now take 1 MB and 64 MB lines. And the
// exact-value registry that masks known secrets in everything parley writes out (defect 2).
#include <gtest/gtest.h>

#include <string>

#include "core/redact.hpp"
#include "core/secret_values.hpp"

using namespace parley;

namespace {

std::string base64_run(std::size_t n, bool alnum_only = false) {
  static const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const std::size_t size = alnum_only ? 62 : alphabet.size();
  std::string s;
  s.reserve(n);
  for (std::size_t i = 0; i < n; ++i) s.push_back(alphabet[(i * 7 + i / 64) % size]);
  return s;
}

struct LongCase {
  const char* name;
  std::string prefix;
  std::string suffix;
  bool alnum_only = false;  // provider keys have no '+' or '/'
};

const std::vector<LongCase>& long_cases() {
  static const std::vector<LongCase> cases = {
      {"token", "token ", ""},
      {"bearer", "Bearer ", " tail"},
      {"basic", "basic ", ""},
      {"authorization header", "Authorization: ", ""},
      {"cookie header", "Cookie: a=", "\n"},
      {"query signature", "GET /x?sig=", " HTTP/1.1"},
      {"json member", "{\"password\":\"", "\"}"},
      {"data url", "data:image/png;base64,", ")"},
      {"provider key", "sk-or-v1-", " ", true},
      {"private key", std::string("-----BEGIN ") + "PRIVATE KEY-----\n", ""},
  };
  return cases;
}

void expect_masked(const LongCase& c, std::size_t n) {
  const auto run = base64_run(n, c.alnum_only);
  const std::string input = "start " + c.prefix + run + c.suffix + " end";
  const auto out = Redactor().redact(input);
  // What is left of the run: at most the 16 characters a data: URL keeps.
  EXPECT_EQ(out.find(run.substr(0, 64)), std::string::npos) << c.name << " (" << n << " bytes)";
  EXPECT_LT(out.size(), 256U) << c.name << " (" << n << " bytes)";
  EXPECT_TRUE(out.starts_with("start ")) << c.name;
}

}  // namespace

TEST(RedactorLongInput, EveryPatternTakesThirtyThousandAndOneMegabyteCharacters) {
  for (const auto& c : long_cases()) {
    expect_masked(c, 30000);
    expect_masked(c, 1 << 20);
  }
}

TEST(RedactorLongInput, SixtyFourMegabyteLinesAreRedactedWhole) {
  for (const auto& c : long_cases()) expect_masked(c, std::size_t{64} << 20);
}

TEST(RedactorLongInput, LongLinesWithoutSecretsPassUnchanged) {
  // Every pre-check word present, no credential after any of them: long ordinary text is left as it was.
  std::string text;
  while (text.size() < (std::size_t{8} << 20))
    text += "the token: no, a key; x = 1, \"quoted\": basic; bearer; cookies eaten (auth); data: none; sk-1 ";
  EXPECT_EQ(Redactor().redact(text), text);
}

TEST(RedactorLongInput, InvalidUtf8DoesNotEndAMaskEarly) {
  const std::string line =
      "Cookie: session=abc\xff\xfe"
      "def; other=ghi | next";
  const auto out = Redactor().redact(line);
  EXPECT_EQ(out.find("abc"), std::string::npos) << out;
  EXPECT_EQ(out.find("ghi"), std::string::npos) << out;
  EXPECT_NE(out.find("| next"), std::string::npos) << out;
}

TEST(RedactorLongInput, ManyDataUrlsOnOneLineAreEachTruncated) {
  std::string line;
  for (int i = 0; i < 2000; ++i) line += "![x](data:image/jpeg;base64," + base64_run(300) + ") ";
  const auto out = Redactor().redact(line);
  EXPECT_EQ(out.find(base64_run(300).substr(0, 40)), std::string::npos);
  EXPECT_NE(out.find("[300 chars]"), std::string::npos);
  // A short data: URL is kept as it is.
  EXPECT_EQ(Redactor().redact("data:text/plain,hello"), "data:text/plain,hello");
}

TEST(SecretValues, MasksEveryOccurrenceOfEveryValueAndOnlyThose) {
  SecretValues s;
  s.add("sk-or-v1-abcdefgh");
  s.add("abcdefgh");  // contained in the first: the longer one is masked whole
  s.add("short");     // under kMinLength: ignored
  std::string text = "k=sk-or-v1-abcdefgh, again sk-or-v1-abcdefgh and abcdefgh; short stays";
  EXPECT_TRUE(s.scrub(text));
  EXPECT_EQ(text, "k=[REDACTED], again [REDACTED] and [REDACTED]; short stays");
  std::string clean = "nothing to see";
  EXPECT_FALSE(s.scrub(clean));
  EXPECT_EQ(clean, "nothing to see");
  EXPECT_TRUE(s.contains_any("x abcdefgh y"));
  EXPECT_FALSE(s.contains_any("abcdefg"));
}

TEST(SecretValues, ASlotKeepsOnlyItsLatestValue) {
  SecretValues s;
  s.set("access_token", "token-one-1234");
  s.set("access_token", "token-two-5678");
  EXPECT_FALSE(s.contains_any("token-one-1234"));
  EXPECT_TRUE(s.contains_any("token-two-5678"));
  s.set("access_token", "");
  EXPECT_TRUE(s.empty());
}

TEST(SecretValues, ScrubsOneHundredMegabytesWithManyMatchesInOnePass) {
  SecretValues s;
  s.add("secret-value-0123");
  std::string text;
  text.reserve(std::size_t{100} << 20);
  while (text.size() < (std::size_t{100} << 20)) text += "xxxxxxxx secret-value-0123 ";
  const auto matches = text.size() / 27;
  EXPECT_TRUE(s.scrub(text));
  EXPECT_EQ(text.find("secret-value"), std::string::npos);
  EXPECT_GE(text.size(), matches * 10);
}
