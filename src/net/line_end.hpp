// Finding the end of an SSE line, once per byte of every relayed event.
#pragma once

#include <string_view>

namespace parley::net {

// The position of the next CR or LF at or after `from`, or npos. (string_view::find_first_of with a set of
// characters calls memchr once per byte: it was the largest single cost of relaying a stream.)
inline std::size_t find_line_end(std::string_view s, std::size_t from) {
  for (std::size_t i = from; i < s.size(); ++i) {
    if (s[i] == '\n' || s[i] == '\r') return i;
  }
  return std::string_view::npos;
}

}  // namespace parley::net
