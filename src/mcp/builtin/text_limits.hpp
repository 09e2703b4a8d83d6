// Cutting text for tool results at UTF-8 character boundaries, and splitting it into overlapping chunks.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace parley::mcp::builtin {

struct CutText {
  std::string text;
  bool truncated = false;
  std::size_t total_chars = 0;  // characters (code points) in the input
};
// The first `max_chars` characters (UTF-8 code points; an invalid byte counts as one).
CutText cut_to_chars(std::string_view text, std::size_t max_chars);
std::size_t count_chars(std::string_view text);

// Chunks of at most `max_chars` characters, each starting `max_chars - overlap` characters after the previous
// one (overlap is clamped below max_chars).
std::vector<std::string> chunk_text(std::string_view text, std::size_t max_chars, std::size_t overlap);

}  // namespace parley::mcp::builtin
