// Finding the end of an SSE line, once per byte of every relayed event.
#pragma once

#include <cstring>
#include <string_view>

namespace parley::net {

// The position of the next CR or LF at or after `from`, or npos. Two memchr scans (vectorised by libc), the
// second only up to the first LF: a byte-by-byte loop was the largest single cost of relaying a stream once
// chunks were no longer parsed into a DOM (P2), and string_view::find_first_of with a set of characters calls
// memchr once per byte.
inline std::size_t find_line_end(std::string_view s, std::size_t from) {
  if (from >= s.size()) return std::string_view::npos;
  const char* begin = s.data() + from;
  const std::size_t rest = s.size() - from;
  const auto* lf = static_cast<const char*>(std::memchr(begin, '\n', rest));
  const std::size_t until = lf ? static_cast<std::size_t>(lf - begin) : rest;
  if (const auto* cr = static_cast<const char*>(std::memchr(begin, '\r', until)))
    return from + static_cast<std::size_t>(cr - begin);
  return lf ? from + until : std::string_view::npos;
}

}  // namespace parley::net
