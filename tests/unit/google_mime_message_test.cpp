// Gmail's internet messages (google/mime_message): RFC 2047 encoded-words for non-ASCII subjects and display
// names (at most 75 characters, never splitting a UTF-8 sequence), decoding of the encoded-words Gmail hands
// back (malformed ones left readable and always valid UTF-8), base64url bodies, reply headers, and HTML
// bodies as text. No I/O.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/ids.hpp"
#include "core/json.hpp"
#include "google/encoding.hpp"
#include "google/mime_message.hpp"

namespace parley::google {
namespace {

// The header block of a built message, one entry per header with folded lines joined as they were sent.
struct Parsed {
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  [[nodiscard]] std::string get(const std::string& name) const {
    for (const auto& [n, v] : headers)
      if (n == name) return v;
    return "<absent>";
  }
  [[nodiscard]] int count(const std::string& name) const {
    int n = 0;
    for (const auto& h : headers) n += h.first == name ? 1 : 0;
    return n;
  }
};

Parsed parse_message(const std::string& raw) {
  Parsed out;
  const auto blank = raw.find("\r\n\r\n");
  EXPECT_NE(blank, std::string::npos) << raw;
  std::size_t i = 0;
  while (i < blank) {
    auto end = raw.find("\r\n", i);
    std::string line = raw.substr(i, end - i);
    i = end + 2;
    if (line[0] == ' ' || line[0] == '\t') {
      out.headers.back().second += "\r\n" + line;
      continue;
    }
    const auto colon = line.find(": ");
    out.headers.emplace_back(line.substr(0, colon), line.substr(colon + 2));
  }
  out.body = raw.substr(blank + 4);
  return out;
}

std::vector<std::string> encoded_words(const std::string& value) {
  std::vector<std::string> words;
  std::size_t i = 0;
  while ((i = value.find("=?", i)) != std::string::npos) {
    const auto end = value.find("?=", i + 10);
    words.push_back(value.substr(i, end + 2 - i));
    i = end + 2;
  }
  return words;
}

TEST(GoogleMimeMessage, AsciiHeaderTextStaysAsItIs) {
  EXPECT_EQ(encode_header_text("Quarterly report (draft)"), "Quarterly report (draft)");
  EXPECT_EQ(encode_header_text(""), "");
}

TEST(GoogleMimeMessage, NonAsciiSubjectBecomesUtf8BWordsOfAtMost75CharactersThatNeverSplitACharacter) {
  // 2-, 3- and 4-byte sequences, long enough for several words wherever the 45-byte cut falls.
  const std::string subject = "Grüße aus Köln — 🎉🎉🎉 Überraschung für Jürgen, ½ € pro Stück, 日本語のテキスト";
  const auto encoded = encode_header_text(subject);
  const auto words = encoded_words(encoded);
  ASSERT_GE(words.size(), 3u) << encoded;
  std::string joined;
  for (const auto& w : words) {
    EXPECT_LE(w.size(), 75u) << w;
    ASSERT_EQ(w.rfind("=?UTF-8?B?", 0), 0u) << w;
    std::string bytes;
    ASSERT_TRUE(base64_decode(w.substr(10, w.size() - 12), bytes)) << w;
    EXPECT_TRUE(json::is_valid_utf8(bytes)) << "a word splits a UTF-8 sequence: " << w;
    joined += bytes;
  }
  EXPECT_EQ(joined, subject);
  // Folded: words on their own lines, each continuation starting with a space.
  EXPECT_EQ(encoded.find('\n'), encoded.find("\r\n ") + 1);
  EXPECT_EQ(decode_header_text(encoded), subject);
}

TEST(GoogleMimeMessage, DisplayNamesAreEncodedAndAddressesKept) {
  EXPECT_EQ(encode_address_list("a@example.com, Bob <b@example.com>"), "a@example.com, Bob <b@example.com>");
  const auto encoded = encode_address_list("Jürgen Müller <j@example.com>,  \"Zoë\" <z@example.com>");
  EXPECT_EQ(encoded, "=?UTF-8?B?" + base64_encode("Jürgen Müller") + "?= <j@example.com>, =?UTF-8?B?" +
                         base64_encode("Zoë") + "?= <z@example.com>");
  EXPECT_EQ(decode_header_text(encoded), "Jürgen Müller <j@example.com>, Zoë <z@example.com>");
}

TEST(GoogleMimeMessage, ACommaInsideAQuotedDisplayNameDoesNotSplitTheAddress) {
  // Was split at the comma: '"Müller' went out as raw UTF-8 and the second half lost its opening quote.
  const auto encoded = encode_address_list("\"Müller, Jürgen\" <j@example.com>, c@example.com");
  EXPECT_EQ(encoded, "=?UTF-8?B?" + base64_encode("Müller, Jürgen") + "?= <j@example.com>, c@example.com");
  EXPECT_EQ(encode_address_list("\"Doe, John\" <j@example.com>"), "\"Doe, John\" <j@example.com>");
}

TEST(GoogleMimeMessage, BuiltMessageHasEncodedHeadersAndABase64Utf8Body) {
  OutgoingMessage m;
  m.to = "Jürgen <j@example.com>";
  m.cc = "c@example.com";
  m.subject = "Grüße";
  m.body = std::string("Schöne Grüße\nZeile 2 ") + std::string(200, 'x');
  const auto raw = build_message(m);
  const auto parsed = parse_message(raw);
  EXPECT_EQ(parsed.get("Subject"), "=?UTF-8?B?" + base64_encode("Grüße") + "?=");
  EXPECT_EQ(parsed.get("To"), "=?UTF-8?B?" + base64_encode("Jürgen") + "?= <j@example.com>");
  EXPECT_EQ(parsed.get("Cc"), "c@example.com");
  EXPECT_EQ(parsed.count("Bcc"), 0);
  EXPECT_EQ(parsed.count("In-Reply-To"), 0);
  EXPECT_EQ(parsed.get("MIME-Version"), "1.0");
  EXPECT_EQ(parsed.get("Content-Type"), "text/plain; charset=\"UTF-8\"");
  EXPECT_EQ(parsed.get("Content-Transfer-Encoding"), "base64");
  // Every line of the whole message is pure ASCII and at most 78 characters.
  for (std::size_t i = 0; i < raw.size();) {
    const auto end = raw.find("\r\n", i);
    ASSERT_NE(end, std::string::npos);
    EXPECT_LE(end - i, 78u) << raw.substr(i, end - i);
    i = end + 2;
  }
  for (char c : raw) EXPECT_LT(static_cast<unsigned char>(c), 0x80u);
  std::string body_b64;
  for (char c : parsed.body)
    if (c != '\r' && c != '\n') body_b64 += c;
  std::string body;
  ASSERT_TRUE(base64_decode(body_b64, body));
  EXPECT_EQ(body, m.body);

  m.html = true;
  EXPECT_EQ(parse_message(build_message(m)).get("Content-Type"), "text/html; charset=\"UTF-8\"");
}

TEST(GoogleMimeMessage, ReplyHeadersAreSetAndLineBreaksInValuesCannotAddHeaders) {
  OutgoingMessage m;
  m.to = "x@example.com\r\nBcc: evil@example.com";
  m.subject = "Re: Thanks\nX-Injected: 1";
  m.in_reply_to = "<m2@example.com>";
  m.references = "<m1@example.com> <m2@example.com>";
  m.body = "ok";
  const auto parsed = parse_message(build_message(m));
  EXPECT_EQ(parsed.get("In-Reply-To"), "<m2@example.com>");
  EXPECT_EQ(parsed.get("References"), "<m1@example.com> <m2@example.com>");
  EXPECT_EQ(parsed.count("Bcc"), 0);
  EXPECT_EQ(parsed.count("X-Injected"), 0);
  EXPECT_EQ(parsed.get("Subject"), "Re: Thanks X-Injected: 1");

  m.in_reply_to = "<m2@example.com>\r\nBcc: evil@example.com";
  const auto flattened = parse_message(build_message(m));
  EXPECT_EQ(flattened.count("Bcc"), 0);
  EXPECT_EQ(flattened.get("In-Reply-To"), "<m2@example.com>  Bcc: evil@example.com");
}

TEST(GoogleMimeMessage, DecodesBAndQWordsInEveryCaseAndCharset) {
  EXPECT_EQ(decode_header_text("=?UTF-8?B?R3LDvMOfZQ==?="), "Grüße");
  EXPECT_EQ(decode_header_text("=?utf-8?b?R3LDvMOfZQ==?="), "Grüße");
  EXPECT_EQ(decode_header_text("=?UTF-8?Q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?="), "Grüße aus Köln");
  EXPECT_EQ(decode_header_text("=?iso-8859-1?q?K=F6ln?="), "Köln");
  EXPECT_EQ(decode_header_text("=?ISO-8859-1?B?S/Zsbg==?="), "Köln");
  EXPECT_EQ(decode_header_text("=?windows-1252?Q?Caf=E9?="), "Café");
  EXPECT_EQ(decode_header_text("=?US-ASCII?Q?plain?="), "plain");
}

TEST(GoogleMimeMessage, WhitespaceBetweenEncodedWordsIsDroppedAndAroundTextKept) {
  EXPECT_EQ(decode_header_text("=?UTF-8?Q?Gr=C3=BC?= =?UTF-8?Q?=C3=9Fe?="), "Grüße");
  EXPECT_EQ(decode_header_text("=?UTF-8?Q?Gr=C3=BC?=\r\n =?UTF-8?Q?=C3=9Fe?="), "Grüße");
  EXPECT_EQ(decode_header_text("Re: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= from Bob"), "Re: Grüße from Bob");
  EXPECT_EQ(decode_header_text("Plain  subject"), "Plain  subject");
}

TEST(GoogleMimeMessage, MalformedEncodedWordsStayAsWritten) {
  for (const std::string s :
       {"=?UTF-8?B?R3LDvMOfZQ==", "=?UTF-8?X?abc?=", "=?UTF-8?BB?abc?=", "=?UTF-8?B?***?=", "=?UTF-8", "=?",
        "?=", "=?UTF-8??abc?=", "a =?UTF-8?B?R3LDv?= b"}) {
    EXPECT_EQ(decode_header_text(s), s);
  }
  // A Q word with a broken escape keeps the bytes it cannot read.
  EXPECT_EQ(decode_header_text("=?UTF-8?Q?100=ZZ_=4?="), "100=ZZ =4");
}

TEST(GoogleMimeMessage, DecodedTextIsAlwaysValidUtf8) {
  // Invalid UTF-8 in a tool's answer makes parley drop the whole JSON-RPC line, so the call hangs until its
  // timeout: bytes that are not UTF-8 are read as ISO-8859-1 (what mislabelled mail nearly always is).
  EXPECT_EQ(decode_header_text("=?UTF-8?Q?K=F6ln?="), "Köln");
  EXPECT_EQ(decode_header_text("=?UTF-8?B?" + base64_encode("\xff\xfe") + "?="), "ÿþ");
  EXPECT_EQ(decode_header_text("=?koi8-r?B?" + base64_encode("\xf0\xd2\xc9") + "?="), "ðÒÉ");
  EXPECT_EQ(decode_header_text("Caf\xe9 raw"), "Café raw");
  for (std::string s :
       {"=?UTF-8?Q?=80=81?=", "=?UTF-8?B?wA==?=", "=?UTF-8?Q?=ED=A0=80?=", "\xc3", "=?x?Q?=F0=9F?="})
    EXPECT_TRUE(json::is_valid_utf8(decode_header_text(s))) << s;
  EXPECT_EQ(text_in_utf8("Grüße", "UTF-8"), "Grüße");
  EXPECT_EQ(text_in_utf8("K\xf6ln", "\"ISO-8859-1\""), "Köln");
  EXPECT_EQ(text_in_utf8("K\xf6ln", ""), "Köln");
}

TEST(GoogleMimeMessage, Base64UrlBodiesWithAndWithoutPadding) {
  const std::string text = "Schöne Grüße ?>>~ end";  // '?>>~' gives '-' and '_' in base64url
  auto url = base64url_encode(text);
  ASSERT_NE(url.find_first_of("-_"), std::string::npos) << url;
  std::string out;
  ASSERT_TRUE(base64url_decode(url, out));
  EXPECT_EQ(out, text);
  while (!url.empty() && url.back() == '=') url.pop_back();
  ASSERT_TRUE(base64url_decode(url, out));
  EXPECT_EQ(out, text);
  std::string wrapped = url.substr(0, 10) + "\r\n" + url.substr(10);
  ASSERT_TRUE(base64url_decode(wrapped, out));
  EXPECT_EQ(out, text);
  ASSERT_TRUE(base64url_decode(base64_encode("a?>b"), out));  // standard alphabet, leniently
  EXPECT_EQ(out, "a?>b");
  ASSERT_TRUE(base64url_decode("", out));
  EXPECT_EQ(out, "");
  EXPECT_FALSE(base64url_decode("abcde", out));  // one character past a group cannot be
  EXPECT_FALSE(base64url_decode("ab!d", out));
  EXPECT_FALSE(base64url_decode("ab\tc", out));
}

TEST(GoogleMimeMessage, HtmlBodiesAsText) {
  EXPECT_EQ(html_to_text("<p>Only <b>HTML</b> &amp; more</p>"), "Only HTML & more");
  EXPECT_EQ(html_to_text("<html><head><title>T</title><style>p{color:red}</style></head><body>"
                         "<div>Line 1</div><div>Line 2<br>Line 3</div><script>alert('x')</script>"
                         "<SCRIPT type=x>var a = '<p>';</SCRIPT>end</body></html>"),
            "Line 1\nLine 2\nLine 3\nend");
  EXPECT_EQ(html_to_text("&lt;tag&gt; &quot;q&quot; &#39;s&apos; a&nbsp;b &unknown; & alone"),
            "<tag> \"q\" 's' a b &unknown; & alone");
  EXPECT_EQ(html_to_text("<p>a</p>\n\n\n\n<p>b</p>"), "a\n\nb");
  EXPECT_EQ(html_to_text("text\r\nmore"), "text\nmore");
  EXPECT_EQ(html_to_text("unclosed <b"), "unclosed");
  EXPECT_EQ(html_to_text("<script>never closed"), "");
  EXPECT_EQ(html_to_text(""), "");
}

TEST(GoogleMimeMessage, HtmlNumericCharacterReferencesAreDecoded) {
  // Outlook and most mailers write typographic characters as numeric references.
  EXPECT_EQ(html_to_text("It&#8217;s &#x2014; &#X1F389; &#233;t&#233;"), "It’s — 🎉 été");
  EXPECT_EQ(html_to_text("&#0; &#xD800; &#x110000; &#12345678; &#xZZ; &#;"),
            "&#0; &#xD800; &#x110000; &#12345678; &#xZZ; &#;");
}

}  // namespace
}  // namespace parley::google
