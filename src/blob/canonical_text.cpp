#include "blob/canonical_text.hpp"
#include "core/text.hpp"

#include <algorithm>
#include <ctime>
#include <map>

namespace parley::blob {

namespace {

bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

bool space_like(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::tm utc_parts(SystemTime t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return tm;
}

}  // namespace

std::string uri_encode(std::string_view in, bool keep_slash) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(in.size() * 3);
  for (const char ch : in) {
    const auto c = static_cast<unsigned char>(ch);
    if (unreserved(c) || (keep_slash && c == '/')) {
      out += ch;
    } else {
      out += '%';
      out += digits[c >> 4];
      out += digits[c & 0x0F];
    }
  }
  return out;
}

std::string canonical_header_value(std::string_view value) {
  std::string out;
  bool pending_space = false;
  for (const char c : value) {
    if (space_like(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += c;
  }
  return out;
}

CanonicalHeaders canonicalize_headers(const NameValues& headers) {
  std::map<std::string, std::string> merged;
  for (const auto& [name, value] : headers) {
    auto& slot = merged[text::lower(name)];
    if (!slot.empty()) slot += ',';
    slot += canonical_header_value(value);
  }
  CanonicalHeaders out;
  for (const auto& [name, value] : merged) {
    out.text += name + ":" + value + "\n";
    if (!out.signed_headers.empty()) out.signed_headers += ';';
    out.signed_headers += name;
  }
  return out;
}

std::string canonical_query(const NameValues& params) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(params.size());
  for (const auto& [k, v] : params) encoded.emplace_back(uri_encode(k, false), uri_encode(v, false));
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [k, v] : encoded) {
    if (!out.empty()) out += '&';
    out += k + "=" + v;
  }
  return out;
}

std::string compact_timestamp(SystemTime t) {
  const auto tm = utc_parts(t);
  char buf[20];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string compact_date(SystemTime t) {
  const auto tm = utc_parts(t);
  char buf[12];
  std::strftime(buf, sizeof buf, "%Y%m%d", &tm);
  return buf;
}

}  // namespace parley::blob
