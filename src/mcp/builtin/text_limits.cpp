#include "mcp/builtin/text_limits.hpp"

namespace parley::mcp::builtin {

namespace {

bool is_continuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0u) == 0x80u;
}

// Byte offsets where each character starts, plus text.size() at the end.
std::vector<std::size_t> char_starts(std::string_view text) {
  std::vector<std::size_t> starts;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!is_continuation(text[i]) || i == 0) starts.push_back(i);
  }
  starts.push_back(text.size());
  return starts;
}

}  // namespace

std::size_t count_chars(std::string_view text) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!is_continuation(text[i]) || i == 0) ++n;
  }
  return n;
}

CutText cut_to_chars(std::string_view text, std::size_t max_chars) {
  CutText out;
  std::size_t n = 0;
  std::size_t end = text.size();
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (is_continuation(text[i]) && i != 0) continue;
    if (n == max_chars && end == text.size()) end = i;
    ++n;
  }
  out.total_chars = n;
  out.truncated = end < text.size();
  out.text = std::string(text.substr(0, end));
  return out;
}

std::vector<std::string> chunk_text(std::string_view text, std::size_t max_chars, std::size_t overlap) {
  std::vector<std::string> chunks;
  if (text.empty() || max_chars == 0) return chunks;
  if (overlap >= max_chars) overlap = max_chars - 1;
  const auto starts = char_starts(text);
  const std::size_t total = starts.size() - 1;
  const std::size_t step = max_chars - overlap;
  for (std::size_t first = 0; first < total; first += step) {
    const std::size_t last = std::min(total, first + max_chars);
    chunks.emplace_back(text.substr(starts[first], starts[last] - starts[first]));
    if (last == total) break;
  }
  return chunks;
}

}  // namespace parley::mcp::builtin
