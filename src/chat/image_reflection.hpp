// Image reflection (api.md §3.3, in memory only): when the newest user message has no image but its text
// refers to images the assistant generated earlier ("@last2", "compare the last two images", "make this image
// brighter"), those images are attached to it in the upstream body so the model can see them again.
#pragma once

#include <boost/json/array.hpp>
#include <cstddef>
#include <string>
#include <string_view>

namespace parley::chat {

inline constexpr int kMaxReflectedImages = 5;

// What a user text asks for.
struct ReflectionRequest {
  int count = 0;     // images asked for (1..5); 0: none
  bool all = false;  // @lastall: every available image (at most 5)
  bool had_tokens = false;
  std::string text;  // the text with @last tokens removed and whitespace collapsed (unchanged without tokens)
  [[nodiscard]] bool wants_images() const { return all || count > 0; }
};

// Tokens `@lastall`, `@last`, `@lastN` (N capped at 5; the largest request wins) and, when there is no token,
// phrasing: a count ("the last two images", "these 3 pictures", "both images") attaches that many, plural
// phrasing ("the images", "compare them", "both of them") attaches 2, singular phrasing ("this image", "the
// last picture") attaches 1. "an image" or "two images" without a word pointing back asks for nothing.
ReflectionRequest reflection_request(std::string_view text);

// Applies reflection to the projected upstream messages in place: if the last user message holds no image and
// asks for images, the most recent distinct image URLs of the assistant messages before it (at most 5, in
// their delivery form) are attached after a text fragment, oldest first. Returns how many were attached.
std::size_t reflect_generated_images(boost::json::array& messages);

}  // namespace parley::chat
