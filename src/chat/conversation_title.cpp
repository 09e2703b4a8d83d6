#include "chat/conversation_title.hpp"

namespace parley::chat {

namespace {

std::string_view trimmed(std::string_view text) {
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!text.empty() && blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && blank(text.back())) text.remove_suffix(1);
  return text;
}

std::size_t character_count(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

}  // namespace

std::optional<TitleProblem> title_problem(std::string_view title) {
  const auto text = trimmed(title);
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    // C0 controls, DEL, and C1 controls (U+0080..U+009F, encoded as C2 80..C2 9F).
    if (c < 0x20 || c == 0x7F ||
        (c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) < 0xA0))
      return TitleProblem::control_characters;
  }
  if (character_count(text) > kMaxTitleCharacters) return TitleProblem::too_long;
  return std::nullopt;
}

std::optional<std::string> stored_title(std::string_view title) {
  const auto text = trimmed(title);
  if (text.empty()) return std::nullopt;
  return std::string(text);
}

}  // namespace parley::chat
