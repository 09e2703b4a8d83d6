// Parser for the `.env` file in the parley home (api.md §6.1): KEY=value, # comments, quotes, `export `
// prefix.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace parley {

struct DotenvEntry {
  std::string key;
  std::string value;
  int line = 0;
};

struct DotenvResult {
  std::vector<DotenvEntry> entries;
  std::vector<std::string> errors;  // "line N: why"
};

DotenvResult parse_dotenv(std::string_view text);

}  // namespace parley
