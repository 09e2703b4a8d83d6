// The multipart/form-data parser over every split of its input, truncations and hostile part headers.
#include <gtest/gtest.h>

#include <vector>

#include "net/multipart_parser.hpp"

using namespace parley::net;
using namespace std::string_literals;

namespace {

struct Part {
  MultipartPartHeaders headers;
  std::string data;
  bool ended = false;
};

class Recorder final : public MultipartSink {
 public:
  bool on_part_begin(const MultipartPartHeaders& h) override {
    parts.push_back({h, {}, false});
    return !stop_at_begin;
  }
  bool on_part_data(std::string_view d) override {
    EXPECT_FALSE(parts.empty());
    EXPECT_FALSE(d.empty());
    parts.back().data.append(d);
    return true;
  }
  bool on_part_end() override {
    parts.back().ended = true;
    return true;
  }
  std::vector<Part> parts;
  bool stop_at_begin = false;
};

const std::string kBoundary = "----WebKitFormBoundaryX3b9";

std::string body_of(const std::string& file_bytes) {
  return "--" + kBoundary +
         "\r\n"
         "Content-Disposition: form-data; name=\"session_id\"\r\n\r\n"
         "session_abc\r\n"
         "--" +
         kBoundary +
         "\r\n"
         "Content-Disposition: form-data; name=\"file\"; filename=\"cat.png\"\r\n"
         "Content-Type: image/png\r\n\r\n" +
         file_bytes + "\r\n--" + kBoundary + "--\r\n";
}

// Feeds `body` in the given pieces, then finishes.
MultipartParser::Status parse_in_pieces(const std::string& body, const std::vector<std::size_t>& cuts,
                                        Recorder& rec, std::string* error = nullptr) {
  MultipartParser parser(kBoundary);
  std::size_t pos = 0;
  auto status = MultipartParser::Status::more;
  for (std::size_t i = 0; i <= cuts.size() && status == MultipartParser::Status::more; ++i) {
    const auto end = i < cuts.size() ? cuts[i] : body.size();
    status = parser.feed(std::string_view(body).substr(pos, end - pos), rec);
    pos = end;
  }
  if (status == MultipartParser::Status::more) status = parser.finish();
  if (error) *error = parser.error();
  return status;
}

}  // namespace

TEST(MultipartParser, ParsesTheSameAtEverySplitPoint) {
  // File bytes that look like the start of a boundary, CR LF pairs and a near-miss delimiter.
  const std::string file = "\x89PNG\r\n\x1a\n\r\n--" + kBoundary.substr(0, 10) + "\r\r\n-\0\xff"s + "end";
  const std::string body = body_of(file);
  for (std::size_t cut = 0; cut <= body.size(); ++cut) {
    Recorder rec;
    ASSERT_EQ(parse_in_pieces(body, {cut}, rec), MultipartParser::Status::done) << "cut at " << cut;
    ASSERT_EQ(rec.parts.size(), 2u) << "cut at " << cut;
    EXPECT_EQ(rec.parts[0].headers.name, "session_id");
    EXPECT_EQ(rec.parts[0].data, "session_abc");
    EXPECT_FALSE(rec.parts[0].headers.filename);
    EXPECT_EQ(rec.parts[1].headers.name, "file");
    EXPECT_EQ(rec.parts[1].headers.filename, "cat.png");
    EXPECT_EQ(rec.parts[1].headers.content_type, "image/png");
    EXPECT_EQ(rec.parts[1].data, file) << "cut at " << cut;
    EXPECT_TRUE(rec.parts[1].ended);
  }
}

TEST(MultipartParser, ParsesTheSameFedOneByteAtATime) {
  const std::string body = body_of(std::string(3000, 'x'));
  std::vector<std::size_t> cuts;
  for (std::size_t i = 1; i < body.size(); ++i) cuts.push_back(i);
  Recorder rec;
  ASSERT_EQ(parse_in_pieces(body, cuts, rec), MultipartParser::Status::done);
  ASSERT_EQ(rec.parts.size(), 2u);
  EXPECT_EQ(rec.parts[1].data, std::string(3000, 'x'));
}

TEST(MultipartParser, EveryTruncationIsAnError) {
  const std::string body = body_of("GIF89a-data");
  // Everything short of the closing delimiter "--<boundary>--" is truncated.
  const auto closing = body.rfind("--" + kBoundary + "--") + kBoundary.size() + 4;
  for (std::size_t len = 0; len < closing; ++len) {
    Recorder rec;
    std::string error;
    EXPECT_EQ(parse_in_pieces(body.substr(0, len), {}, rec, &error), MultipartParser::Status::error) << len;
    EXPECT_FALSE(error.empty());
  }
}

TEST(MultipartParser, PreambleAndEpilogueAreIgnored) {
  const std::string body = "this is a preamble\r\n" + body_of("data") + "epilogue --" + kBoundary + "\r\n";
  Recorder rec;
  ASSERT_EQ(parse_in_pieces(body, {7, 40}, rec), MultipartParser::Status::done);
  ASSERT_EQ(rec.parts.size(), 2u);
  EXPECT_EQ(rec.parts[1].data, "data");
}

// Found by tests/fuzz/multipart_parser_fuzz (corpus/multipart_parser/regress-preamble-in-one-read): a
// preamble was limited only while the boundary had not arrived, so one read holding both passed any size.
TEST(MultipartParser, ThePreambleLimitHoldsHoweverTheBodyArrives) {
  for (const std::size_t preamble : {std::size_t{16384}, std::size_t{16385}, std::size_t{100000}}) {
    const std::string body = std::string(preamble, 'p') + "\r\n" + body_of("data");
    const auto expected = preamble <= MultipartLimits{}.max_preamble_bytes ? MultipartParser::Status::done
                                                                           : MultipartParser::Status::error;
    Recorder whole, pieces;
    EXPECT_EQ(parse_in_pieces(body, {}, whole), expected) << preamble;
    EXPECT_EQ(parse_in_pieces(body, {100, 5000, 12000}, pieces), expected) << preamble;
  }
}

// Found by tests/fuzz/multipart_parser_fuzz (corpus/multipart_parser/regress-header-limit-in-pieces): a part
// header block of exactly the limit was accepted in one read, refused when its CR LF CR LF came in pieces.
TEST(MultipartParser, ThePartHeaderLimitHoldsHoweverTheBodyArrives) {
  const std::size_t limit = MultipartLimits{}.max_part_header_bytes;
  for (const std::size_t block : {limit - 1, limit, limit + 1}) {
    std::string headers = "Content-Disposition: form-data; name=\"f\"\r\nX-Pad: ";
    headers += std::string(block - headers.size(), 'x');
    const std::string body = "--" + kBoundary + "\r\n" + headers + "\r\n\r\nv\r\n--" + kBoundary + "--";
    const auto expected = block <= limit ? MultipartParser::Status::done : MultipartParser::Status::error;
    std::vector<std::size_t> every_byte;
    for (std::size_t i = 1; i < body.size(); ++i) every_byte.push_back(i);
    Recorder whole, pieces;
    EXPECT_EQ(parse_in_pieces(body, {}, whole), expected) << block;
    EXPECT_EQ(parse_in_pieces(body, every_byte, pieces), expected) << block;
  }
}

TEST(MultipartParser, MissingOrWrongBoundaryIsAnError) {
  Recorder rec;
  std::string error;
  EXPECT_EQ(parse_in_pieces("just some text without any boundary", {}, rec, &error),
            MultipartParser::Status::error);
  EXPECT_NE(error.find("boundary"), std::string::npos);
  // A large body without the boundary fails before the end.
  MultipartParser parser(kBoundary);
  Recorder rec2;
  EXPECT_EQ(parser.feed(std::string(100000, 'a'), rec2), MultipartParser::Status::error);
  // A boundary followed by garbage instead of CRLF or "--".
  Recorder rec3;
  EXPECT_EQ(parse_in_pieces("--" + kBoundary + "X\r\n\r\n", {}, rec3), MultipartParser::Status::error);
}

TEST(MultipartParser, RejectsInjectedAndMalformedPartHeaders) {
  const auto with_headers = [](const std::string& headers) {
    return "--" + kBoundary + "\r\n" + headers + "\r\n\r\nx\r\n--" + kBoundary + "--\r\n";
  };
  const std::vector<std::string> hostile = {
      "Content-Disposition: form-data; name=\"file\"\nContent-Type: text/html",  // bare LF
      "Content-Disposition: form-data; name=\"file\"\rX: y",                     // bare CR
      "Content-Disposition: form-data; name=\"fi\0le\""s,                        // NUL
      "Content-Disposition: form-data; name=\"file\"\r\n folded: continuation",  // obsolete
                                                                                 // folding
      "Content-Disposition: form-data; name=\"file\"\r\nContent-Disposition: form-data; "
      "name=\"x\"",                                                              // duplicate
      "Content-Disposition: form-data; name=\"file\"; name=\"session_id\"",      // repeated parameter
      "Content-Disposition: form-data; filename=\"a.png\"",                      // no name
      "Content-Disposition: attachment; name=\"file\"",                          // not form-data
      "Content-Disposition: form-data; name=\"file\"; filename=\"unterminated",  // open quote
      "Content-Type: image/png",                                                 // no disposition
      "Bad Header Name: x\r\nContent-Disposition: form-data; name=\"file\"",     // space in name
      "Content-Disposition: form-data; name=\"file\"\r\nContent-Type: a\r\nContent-Type: b",
  };
  for (const auto& h : hostile) {
    Recorder rec;
    std::string error;
    EXPECT_EQ(parse_in_pieces(with_headers(h), {}, rec, &error), MultipartParser::Status::error) << h;
    EXPECT_TRUE(rec.parts.empty()) << h;
  }
  Recorder big;
  EXPECT_EQ(parse_in_pieces(with_headers("Content-Disposition: form-data; name=\"file\"\r\nX-Pad: " +
                                         std::string(10000, 'p')),
                            {}, big),
            MultipartParser::Status::error);
}

TEST(MultipartParser, FilenamesKeepTheirTextSafely) {
  const auto parse_name = [](const std::string& disposition) {
    const std::string body =
        "--" + kBoundary + "\r\nContent-Disposition: " + disposition + "\r\n\r\nx\r\n--" + kBoundary + "--";
    Recorder rec;
    EXPECT_EQ(parse_in_pieces(body, {}, rec), MultipartParser::Status::done) << disposition;
    return rec.parts.empty() ? std::optional<std::string>() : rec.parts[0].headers.filename;
  };
  EXPECT_EQ(parse_name("form-data; name=\"file\"; filename=\"../../etc/passwd\""), "../../etc/passwd");
  EXPECT_EQ(parse_name("form-data; name=\"file\"; filename=\"a\\\"b.png\""), "a\"b.png");
  EXPECT_EQ(parse_name("form-data; name=\"file\"; filename=\"C:\\Users\\me\\a.png\""),
            "C:\\Users\\me\\a.png");
  EXPECT_EQ(parse_name("form-data; name=\"file\"; filename=\"semi;colon.png\""), "semi;colon.png");
  EXPECT_EQ(parse_name("form-data; name=\"file\"; filename=plain.png"), "plain.png");
  EXPECT_EQ(parse_name("form-data; name=\"file\"; filename=\"x.png\"; filename*=UTF-8''%C3%BCber.png"),
            "über.png");
  EXPECT_EQ(parse_name("form-data; name=\"file\"; filename=\"tab\there.png\""), "tab\there.png");
  EXPECT_EQ(parse_name("FORM-DATA; NAME=\"file\"; FILENAME=\"x.png\""), "x.png");
  EXPECT_EQ(parse_name("form-data; name=\"file\""), std::nullopt);
}

TEST(MultipartParser, PartsWithoutHeadersOrDataAndTransportPadding) {
  const std::string body = "--" + kBoundary +
                           "  \t\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n\r\n--" + kBoundary +
                           "--";
  Recorder rec;
  ASSERT_EQ(parse_in_pieces(body, {}, rec), MultipartParser::Status::done);
  ASSERT_EQ(rec.parts.size(), 1u);
  EXPECT_EQ(rec.parts[0].data, "");
  EXPECT_TRUE(rec.parts[0].ended);
}

TEST(MultipartParser, StopsWhenTheSinkSaysSo) {
  Recorder rec;
  rec.stop_at_begin = true;
  MultipartParser parser(kBoundary);
  EXPECT_EQ(parser.feed(body_of("data"), rec), MultipartParser::Status::stopped);
  EXPECT_EQ(rec.parts.size(), 1u);
  EXPECT_EQ(parser.feed("more", rec), MultipartParser::Status::stopped);
}

TEST(MultipartParser, TooManyPartsIsAnError) {
  std::string body;
  for (int i = 0; i < 40; ++i)
    body += "--" + kBoundary + "\r\nContent-Disposition: form-data; name=\"p\"\r\n\r\nv\r\n";
  body += "--" + kBoundary + "--";
  Recorder rec;
  EXPECT_EQ(parse_in_pieces(body, {}, rec), MultipartParser::Status::error);
}

TEST(MultipartBoundary, ReadsTheBoundaryOfFormDataOnly) {
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=abc"), "abc");
  EXPECT_EQ(multipart_boundary("Multipart/Form-Data; charset=utf-8; BOUNDARY=\"a b'()+_,-./:=?\""),
            "a b'()+_,-./:=?");
  EXPECT_FALSE(multipart_boundary("multipart/form-data"));
  EXPECT_FALSE(multipart_boundary("multipart/form-data; boundary="));
  EXPECT_FALSE(multipart_boundary("multipart/form-data; boundary=" + std::string(71, 'a')));
  EXPECT_FALSE(multipart_boundary("multipart/form-data; boundary=\"trailing \""));
  EXPECT_FALSE(multipart_boundary("multipart/form-data; boundary=a\r\nX: y"));
  EXPECT_FALSE(multipart_boundary("multipart/mixed; boundary=abc"));
  EXPECT_FALSE(multipart_boundary("application/json"));
}
