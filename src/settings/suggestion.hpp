// A prompt suggestion of the start screen (api.md §2.16), and the four built-in ones served while no
// suggestions document exists.
#pragma once

#include <string>
#include <vector>

namespace parley::settings {

struct Suggestion {
  std::string label;
  std::string text;
  bool operator==(const Suggestion&) const = default;
};

std::vector<Suggestion> default_suggestions();

}  // namespace parley::settings
