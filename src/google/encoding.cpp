#include "google/encoding.hpp"

#include "blob/canonical_text.hpp"
#include "core/ids.hpp"

namespace parley::google {

bool base64url_decode(std::string_view in, std::string& out) {
  std::string standard;
  standard.reserve(in.size() + 3);
  for (char c : in) {
    if (c == '\r' || c == '\n' || c == ' ') continue;
    if (c == '=') break;
    if (c == '-')
      standard += '+';
    else if (c == '_')
      standard += '/';
    else
      standard += c;
  }
  if (standard.size() % 4 == 1) return false;
  while (standard.size() % 4 != 0) standard += '=';
  return base64_decode(standard, out);
}

std::string form_encode(const QueryParams& params) {
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out += '&';
    out += blob::uri_encode(k, false);
    out += '=';
    out += blob::uri_encode(v, false);
  }
  return out;
}

std::string path_segment(std::string_view segment) {
  return blob::uri_encode(segment, false);
}

}  // namespace parley::google
