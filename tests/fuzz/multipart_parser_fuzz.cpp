// Fuzz target for net::MultipartParser and multipart_boundary (POST /api/uploads): a body read in pieces of
// any size must parse exactly as when read whole, and a form parley could be sent (any names, file names
// and contents) must come back part for part.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "fuzz_check.hpp"
#include "net/multipart_parser.hpp"

namespace {

using parley::net::MultipartLimits;
using parley::net::MultipartParser;
using parley::net::MultipartPartHeaders;

struct Part {
  std::string name;
  std::optional<std::string> filename;
  std::string content_type;
  std::string data;
  bool ended = false;
};

class RecordingSink final : public parley::net::MultipartSink {
 public:
  bool on_part_begin(const MultipartPartHeaders& headers) override {
    FUZZ_REQUIRE(parts.empty() || parts.back().ended);
    parts.push_back({headers.name, headers.filename, headers.content_type, {}, false});
    return true;
  }
  bool on_part_data(std::string_view data) override {
    FUZZ_REQUIRE(!parts.empty() && !parts.back().ended && !data.empty());
    parts.back().data.append(data);
    return true;
  }
  bool on_part_end() override {
    FUZZ_REQUIRE(!parts.empty() && !parts.back().ended);
    parts.back().ended = true;
    return true;
  }
  std::vector<Part> parts;
};

struct Outcome {
  MultipartParser::Status status;
  std::vector<Part> parts;
};

Outcome parse_in_pieces(const std::string& boundary, const MultipartLimits& limits, std::string_view body,
                        const std::vector<std::uint8_t>& cuts) {
  MultipartParser parser(boundary, limits);
  RecordingSink sink;
  auto status = MultipartParser::Status::more;
  std::size_t next_cut = 0;
  while (!body.empty() && status == MultipartParser::Status::more) {
    const std::size_t n = next_cut < cuts.size() ? std::size_t{cuts[next_cut++]} + 1 : body.size();
    const auto piece = body.substr(0, n);
    body.remove_prefix(piece.size());
    status = parser.feed(piece, sink);
  }
  if (status == MultipartParser::Status::more) status = parser.finish();
  FUZZ_REQUIRE(status != MultipartParser::Status::more);
  FUZZ_REQUIRE((status == MultipartParser::Status::error) == !parser.error().empty());
  return {status, std::move(sink.parts)};
}

bool same_parts(const std::vector<Part>& a, const std::vector<Part>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].name != b[i].name || a[i].filename != b[i].filename || a[i].content_type != b[i].content_type ||
        a[i].data != b[i].data || a[i].ended != b[i].ended)
      return false;
  }
  return true;
}

// A quoted-string parameter value as a browser writes it: '"' and '\' escaped, line breaks dropped.
std::string quoted(std::string_view value) {
  std::string out = "\"";
  for (const char c : value) {
    if (c == '\r' || c == '\n' || c == '\0') continue;
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string without_line_breaks(std::string_view value) {
  std::string out;
  for (const char c : value)
    if (c != '\r' && c != '\n' && c != '\0') out += c;
  return out;
}

void raw_body(FuzzedDataProvider& in) {
  MultipartLimits limits;
  limits.max_part_header_bytes = in.ConsumeIntegralInRange<std::size_t>(8, 512);
  limits.max_parts = in.ConsumeIntegralInRange<std::size_t>(1, 8);
  limits.max_preamble_bytes = in.ConsumeIntegralInRange<std::size_t>(0, 512);
  const auto content_type = in.ConsumeRandomLengthString(128);
  const auto cuts = in.ConsumeBytes<std::uint8_t>(in.ConsumeIntegralInRange<std::size_t>(0, 24));
  const auto body = in.ConsumeRemainingBytesAsString();

  const auto boundary = parley::net::multipart_boundary(content_type).value_or("b0undary");
  FUZZ_REQUIRE(!boundary.empty() && boundary.size() <= 70);

  const auto whole = parse_in_pieces(boundary, limits, body, {});
  const auto pieces = parse_in_pieces(boundary, limits, body, cuts);
  FUZZ_REQUIRE(whole.status == pieces.status);
  FUZZ_REQUIRE(whole.parts.size() <= limits.max_parts);
  if (whole.status == MultipartParser::Status::done) FUZZ_REQUIRE(same_parts(whole.parts, pieces.parts));
}

void generated_form(FuzzedDataProvider& in) {
  const std::string boundary = "----parleyFuzz" + std::to_string(in.ConsumeIntegral<std::uint32_t>());
  const auto cuts = in.ConsumeBytes<std::uint8_t>(in.ConsumeIntegralInRange<std::size_t>(0, 24));
  std::vector<Part> sent;
  std::string body = in.ConsumeBool() ? "preamble\r\n" : "";
  const auto count = in.ConsumeIntegralInRange<std::size_t>(1, 4);
  for (std::size_t i = 0; i < count && in.remaining_bytes() > 0; ++i) {
    Part p;
    p.name = without_line_breaks(in.ConsumeRandomLengthString(32));
    if (in.ConsumeBool()) p.filename = without_line_breaks(in.ConsumeRandomLengthString(64));
    if (in.ConsumeBool()) {
      p.content_type = without_line_breaks(in.ConsumeRandomLengthString(32));
      while (!p.content_type.empty() && (p.content_type.back() == ' ' || p.content_type.back() == '\t'))
        p.content_type.pop_back();
      while (!p.content_type.empty() && (p.content_type.front() == ' ' || p.content_type.front() == '\t'))
        p.content_type.erase(0, 1);
    }
    p.data = in.ConsumeRandomLengthString(1024);
    if (p.data.find(boundary) != std::string::npos) return;  // not a form a client could send
    p.ended = true;
    body += "--" + boundary + "\r\n";
    body += "Content-Disposition: form-data; name=" + quoted(p.name);
    if (p.filename) body += "; filename=" + quoted(*p.filename);
    body += "\r\n";
    if (!p.content_type.empty()) body += "Content-Type: " + p.content_type + "\r\n";
    body += "\r\n" + p.data + "\r\n";
    sent.push_back(std::move(p));
  }
  body += "--" + boundary + "--\r\n";

  const auto whole = parse_in_pieces(boundary, {}, body, {});
  FUZZ_REQUIRE(whole.status == MultipartParser::Status::done);
  FUZZ_REQUIRE(same_parts(whole.parts, sent));
  const auto pieces = parse_in_pieces(boundary, {}, body, cuts);
  FUZZ_REQUIRE(pieces.status == MultipartParser::Status::done);
  FUZZ_REQUIRE(same_parts(pieces.parts, sent));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  if (in.ConsumeBool()) {
    raw_body(in);
  } else {
    generated_form(in);
  }
  return 0;
}
