// Text rules shared by the request-signing schemes (GCS V4, AWS SigV4): RFC 3986 percent-encoding, the
// canonical header and query forms, and the compact UTC timestamps they sign.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace parley::blob {

using SystemTime = std::chrono::system_clock::time_point;
using NameValues = std::vector<std::pair<std::string, std::string>>;

// Percent-encodes every byte except the unreserved characters (A-Z a-z 0-9 - . _ ~), and '/' when
// `keep_slash`. Upper-case hex.
std::string uri_encode(std::string_view in, bool keep_slash);
// Trims leading/trailing whitespace and collapses inner runs (spaces, tabs, line breaks) to one space.
std::string canonical_header_value(std::string_view value);

struct CanonicalHeaders {
  std::string text;            // "name:value\n" lines, sorted by lower-case name; duplicates joined with ','
  std::string signed_headers;  // "host;x-goog-date"
};
CanonicalHeaders canonicalize_headers(const NameValues& headers);
// Sorted "k=v&k=v" of encoded names and values (byte order of the encoded names, then values).
std::string canonical_query(const NameValues& params);

// "20190201T090000Z" and "20190201".
std::string compact_timestamp(SystemTime t);
std::string compact_date(SystemTime t);

}  // namespace parley::blob
