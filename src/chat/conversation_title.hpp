// The rules of a conversation's custom title (api.md §8.3): trimmed, no control characters, at most 200
// characters; nothing left after trimming removes the custom title.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace parley::chat {

enum class TitleProblem { control_characters, too_long };

// What keeps `title` from being stored, judged after trimming; nullopt when it may be stored.
std::optional<TitleProblem> title_problem(std::string_view title);
// What is stored for `title`: the trimmed text, or nullopt (no custom title) when nothing is left.
std::optional<std::string> stored_title(std::string_view title);

inline constexpr std::size_t kMaxTitleCharacters = 200;

}  // namespace parley::chat
