#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "auth/password.hpp"
#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/json.hpp"
#include "core/redact.hpp"
#include "core/text.hpp"
#include "net/http_types.hpp"

using namespace parley;

TEST(Redactor, ScrubsEveryKindOfSecret) {
  Redactor r;
  r.add_secret("my-registered-secret-value");
  const std::string line =
      "key=my-registered-secret-value | Authorization: Bearer abcdefghijklmnop | Cookie: a=1; "
      "parley_session=zzzzzzzz\n"
      "url=/api/files/a.png?exp=1&sig=0123456789abcdef&X-Goog-Signature=feedface&X-Amz-Credential=AKID%2F\n"
      "{\"password\":\"hunter22\",\"refresh_token\":\"rt-1\",\"name\":\"kept\"} sk-or-v1-" +
      std::string(64, 'a') + " data:image/png;base64," + std::string(300, 'Q');
  const auto out = r.redact(line);
  for (const char* secret : {"my-registered-secret-value", "abcdefghijklmnop", "zzzzzzzz", "0123456789abcdef",
                             "feedface", "AKID", "hunter22", "rt-1"}) {
    EXPECT_EQ(out.find(secret), std::string::npos) << secret << " in " << out;
  }
  EXPECT_EQ(out.find(std::string(64, 'a')), std::string::npos);
  EXPECT_EQ(out.find(std::string(100, 'Q')), std::string::npos);
  EXPECT_NE(out.find("\"name\":\"kept\""), std::string::npos);
  EXPECT_NE(out.find("exp=1"), std::string::npos);
  EXPECT_NE(out.find("[REDACTED]"), std::string::npos);
  EXPECT_NE(out.find("Authorization: [REDACTED] |"), std::string::npos) << out;
  // A cookie without a header name around it is still masked.
  EXPECT_EQ(r.redact("sent parley_session=abcdef123; Path=/").find("abcdef123"), std::string::npos);
}

TEST(Redactor, LeavesOrdinaryLinesAlone) {
  Redactor r;
  const std::string line = "[abc] GET /api/chat/conversations?limit=50&offset=0 200 1.2ms client=127.0.0.1";
  EXPECT_EQ(r.redact(line), line);
}

TEST(Redactor, MasksPrivateKeys) {
  Redactor r;
  // Assembled from pieces so the source holds no literal key header.
  const std::string begin = std::string("-----BEGIN ") + "PRIVATE KEY-----";
  const std::string end = std::string("-----END ") + "PRIVATE KEY-----";
  const auto out = r.redact("key: " + begin + "\nMIIEv...\n" + end + " done");
  EXPECT_EQ(out.find("MIIEv"), std::string::npos);
  EXPECT_NE(out.find("done"), std::string::npos);
}

TEST(Clock, ParsesEveryAcceptedTimestampForm) {
  const auto base = parse_timestamp("2025-11-08T14:03:12Z");
  ASSERT_TRUE(base);
  EXPECT_EQ(format_iso_utc_z(*base), "2025-11-08T14:03:12Z");
  EXPECT_EQ(parse_timestamp("2025-11-08 14:03:12"), base);
  EXPECT_EQ(parse_timestamp("2025-11-08T14:03:12+00:00"), base);
  EXPECT_EQ(parse_timestamp("2025-11-08T16:03:12+02:00"), base);
  EXPECT_EQ(parse_timestamp("2025-11-08T09:03:12-05:00"), base);
  const auto frac = parse_timestamp("2025-11-08T05:00:18.909698+00:00");
  ASSERT_TRUE(frac);
  EXPECT_EQ(format_iso_utc_offset(*frac), "2025-11-08T05:00:18.909698+00:00");
  EXPECT_EQ(format_iso_utc_z(*frac, 3), "2025-11-08T05:00:18.909Z");
  EXPECT_EQ(format_sql_utc(*frac), "2025-11-08 05:00:18");
  EXPECT_EQ(compact_utc(*frac), "20251108T050018Z");
  EXPECT_TRUE(parse_timestamp("2025-11-08T05:00:18.9Z"));
  for (const char* bad : {"", "2025-11-08", "2025-13-08T00:00:00Z", "2025-11-08T14:03:12+0000",
                          "2025-11-08T14:03:12.Z", "2025-11-08T14:03:12Zjunk", "yesterday",
                          // Outside what system_clock holds: refused, not overflowed (the import fuzzer).
                          "1012-11-08T14:03:12Z", "9999-12-31T23:59:59Z", "0000-01-01 00:00:00"}) {
    EXPECT_FALSE(parse_timestamp(bad)) << bad;
  }
}

TEST(Json, RejectsInvalidUtf8AndTrailingGarbage) {
  EXPECT_TRUE(json::parse(R"({"a":"é"})"));
  EXPECT_FALSE(json::parse("{\"a\":\"\xff\"}"));
  EXPECT_FALSE(json::parse("{\"a\":1} x"));
  EXPECT_FALSE(json::parse("{\"a\":"));
  EXPECT_FALSE(json::parse(std::string(200, '[') + std::string(200, ']')));  // depth limit
  EXPECT_TRUE(json::is_valid_utf8("plain \xe2\x82\xac"));
  EXPECT_FALSE(json::is_valid_utf8("\xc0\xaf"));      // overlong
  EXPECT_FALSE(json::is_valid_utf8("\xed\xa0\x80"));  // surrogate
  EXPECT_FALSE(json::is_valid_utf8("\xe2\x82"));      // truncated
}

TEST(Json, PrettyPrintsSortedWithTwoSpaces) {
  boost::json::value v = boost::json::parse(R"({"b":[1,{"d":null,"c":"x"}],"a":{},"e":[]})");
  EXPECT_EQ(
      json::pretty_sorted(v),
      "{\n  \"a\": {},\n  \"b\": [\n    1,\n    {\n      \"c\": \"x\",\n      \"d\": null\n    }\n  ],\n"
      "  \"e\": []\n}\n");
}

TEST(Ids, UuidHexAndEncodings) {
  const auto id = new_uuid_hex();
  EXPECT_EQ(id.size(), 32u);
  EXPECT_TRUE(is_hex(id));
  EXPECT_EQ(id[12], '4');
  EXPECT_NE(new_uuid_hex(), id);
  EXPECT_EQ(to_hex("\x01\xff"), "01ff");
  EXPECT_EQ(from_hex("01ff"), std::string("\x01\xff"));
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
  std::string decoded;
  ASSERT_TRUE(base64_decode(base64_encode("hello world"), decoded));
  EXPECT_EQ(decoded, "hello world");
  EXPECT_FALSE(base64_decode("abc", decoded));
}

TEST(Password, HashVerifiesAndRejects) {
  const auto encoded = auth::hash_password("correct horse", 1000);
  EXPECT_TRUE(encoded.starts_with("pbkdf2-sha256$1000$"));
  EXPECT_TRUE(auth::verify_password("correct horse", encoded));
  EXPECT_FALSE(auth::verify_password("correct horsE", encoded));
  EXPECT_FALSE(auth::verify_password("x", "pbkdf2-sha256$abc$AAAA$AAAA"));
  EXPECT_FALSE(auth::verify_password("x", "md5$1$a$b"));
  EXPECT_FALSE(auth::verify_password("x", ""));
  EXPECT_TRUE(auth::constant_time_equals("same", "same"));
  EXPECT_FALSE(auth::constant_time_equals("same", "samE"));
  EXPECT_FALSE(auth::constant_time_equals("same", "same-longer"));
}

TEST(SseFormat, EveryEventHasAnEventLineAndOneDataLinePerPayloadLine) {
  EXPECT_EQ(net::format_sse_event("message", R"({"a":1})"), "event: message\ndata: {\"a\":1}\n\n");
  EXPECT_EQ(net::format_sse_event("notice", "a\nb\r\nc\rd"),
            "event: notice\ndata: a\ndata: b\ndata: c\ndata: d\n\n");
  EXPECT_EQ(net::format_sse_event("message", "x", "gen-1"), "id: gen-1\nevent: message\ndata: x\n\n");
  EXPECT_EQ(net::format_sse_event("message", ""), "event: message\ndata: \n\n");
}

TEST(PercentDecoding, DecodesAndRejectsMalformedEscapes) {
  std::string out;
  ASSERT_TRUE(net::percent_decode("a%2Fb%20c+d", out));
  EXPECT_EQ(out, "a/b c+d");
  ASSERT_TRUE(net::percent_decode("a+b", out, true));
  EXPECT_EQ(out, "a b");
  EXPECT_FALSE(net::percent_decode("%", out));
  EXPECT_FALSE(net::percent_decode("%4", out));
  EXPECT_FALSE(net::percent_decode("%zz", out));
  EXPECT_EQ(net::percent_encode_segment("a b/é"), "a%20b%2F%C3%A9");
}

TEST(RequestQuery, ParsesDecodedPairsInOrder) {
  net::Request req;
  req.query = "q=hello+world&limit=5&empty=&flag&q=second%21";
  const auto params = req.query_params();
  ASSERT_EQ(params.size(), 5u);
  EXPECT_EQ(params[0], (std::pair<std::string, std::string>{"q", "hello world"}));
  EXPECT_EQ(req.query_param("limit"), "5");
  EXPECT_EQ(req.query_param("empty"), "");
  EXPECT_EQ(req.query_param("flag"), "");
  EXPECT_EQ(req.query_param("missing"), std::nullopt);
  EXPECT_EQ(req.query_param("q"), "hello world");
}

TEST(Json, WritesDoublesInTheirShortestForm) {
  const auto v =
      boost::json::parse(R"({"t":0.7,"c":1.23e-5,"big":1e21,"n":-2.5,"i":3,"arr":[0.1,{"x":100.0}]})");
  EXPECT_EQ(json::serialize(v),
            R"({"t":0.7,"c":1.23e-05,"big":1e+21,"n":-2.5,"i":3,"arr":[0.1,{"x":100.0}]})");
  EXPECT_EQ(json::pretty_sorted(boost::json::parse(R"({"b":0.3,"a":[0.5]})")),
            "{\n  \"a\": [\n    0.5\n  ],\n  \"b\": 0.3\n}\n");
  // What is written parses back to the same numbers.
  EXPECT_EQ(boost::json::parse(json::serialize(v)), v);
}

TEST(Json, WritesStringsScalarsAndKeysAsBoostDoes) {
  // json::serialize writes strings, keys and integers itself; the bytes must stay Boost.JSON's.
  std::string every_byte;
  for (int c = 1; c < 128; ++c) every_byte += static_cast<char>(c);
  const boost::json::value v = {
      {"plain", "text"},
      {"controls and quotes", every_byte},
      {"utf8 \xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80", "caf\xC3\xA9 \xE2\x80\xA8 \xF0\x9F\x98\x80 </script>"},
      {"key \"quoted\" \\ \n", boost::json::array{nullptr, true, false, 0, -1, INT64_MIN, UINT64_MAX, ""}},
      {"nested", {{"empty object", boost::json::object{}}, {"empty array", boost::json::array{}}}}};
  EXPECT_EQ(json::serialize(v), boost::json::serialize(v));
  EXPECT_EQ(json::serialize(boost::json::value(std::string(1, '\0') + "x")), R"("\u0000x")");
}

TEST(Text, FoldsAsciiCaseOnly) {
  EXPECT_EQ(text::lower("Content-TYPE: Ünï"), "content-type: Ünï");  // UTF-8 bytes are left alone
  EXPECT_EQ(text::upper("parley_home"), "PARLEY_HOME");
  EXPECT_TRUE(text::starts_with_lower("DATA:image/png", "data:"));
  EXPECT_FALSE(text::starts_with_lower("dat", "data:"));
  EXPECT_FALSE(text::starts_with_lower("DATA:", "Data:"));  // the prefix is lower case by contract
}

TEST(Text, TrimsWhitespaceOrTheGivenCharacters) {
  EXPECT_EQ(text::trim(" \t\r\n\v\fvalue \n"), "value");
  EXPECT_EQ(text::trim(" \t \n"), "");
  EXPECT_EQ(text::trim(""), "");
  EXPECT_EQ(text::trim("\tform-data \n", text::kBlanks), "form-data \n");
  EXPECT_EQ(text::trim_start(" \r value \r"), "value \r");
  EXPECT_EQ(text::trim_end(" \r value \r"), " \r value");
  EXPECT_EQ(text::trim_end(text::trim_start("\t\rbare \r", text::kBlanks), " \t\r"), "\rbare");
  const std::string kept = text::trimmed(std::string("  copy  "));  // a temporary: the copy outlives it
  EXPECT_EQ(kept, "copy");
}

TEST(Text, CountsUtf8CodePoints) {
  EXPECT_EQ(text::utf8_length(""), 0u);
  EXPECT_EQ(text::utf8_length("abc"), 3u);
  EXPECT_EQ(text::utf8_length("h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80"), 9u);  // é, €, 😀
}
