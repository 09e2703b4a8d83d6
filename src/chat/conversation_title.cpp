#include "chat/conversation_title.hpp"
#include "core/text.hpp"

namespace parley::chat {

std::optional<TitleProblem> title_problem(std::string_view title) {
  const auto text = text::trim(title, text::kBlanksAndLineEnds);
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    // C0 controls, DEL, and C1 controls (U+0080..U+009F, encoded as C2 80..C2 9F).
    if (c < 0x20 || c == 0x7F ||
        (c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) < 0xA0))
      return TitleProblem::control_characters;
  }
  if (text::utf8_length(text) > kMaxTitleCharacters) return TitleProblem::too_long;
  return std::nullopt;
}

std::optional<std::string> stored_title(std::string_view title) {
  const auto text = text::trim(title, text::kBlanksAndLineEnds);
  if (text.empty()) return std::nullopt;
  return std::string(text);
}

}  // namespace parley::chat
