#include "core/dotenv.hpp"
#include "core/text.hpp"

#include <cctype>

namespace parley {
namespace {

// Blanks, and at the end the CR of a file with CRLF line ends (a leading CR belongs to a bare value).
std::string_view trim(std::string_view s) {
  return text::trim_end(text::trim_start(s, text::kBlanks), " \t\r");
}

bool valid_key(std::string_view k) {
  if (k.empty()) return false;
  for (char c : k) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-')) return false;
  }
  return true;
}

}  // namespace

DotenvResult parse_dotenv(std::string_view text) {
  DotenvResult result;
  int line_no = 0;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++line_no;
    line = trim(line);
    if (line.empty() || line.front() == '#') continue;
    if (line.starts_with("export ")) line = trim(line.substr(7));
    const auto eq = line.find('=');
    if (eq == std::string_view::npos) {
      result.errors.push_back("line " + std::to_string(line_no) + ": expected KEY=value");
      continue;
    }
    const auto key = trim(line.substr(0, eq));
    auto value = trim(line.substr(eq + 1));
    if (!valid_key(key)) {
      result.errors.push_back("line " + std::to_string(line_no) + ": invalid variable name");
      continue;
    }
    std::string parsed;
    if (!value.empty() && (value.front() == '"' || value.front() == '\'')) {
      const char q = value.front();
      // In double quotes a backslash escapes the next character, an escaped quote included.
      auto close = std::string_view::npos;
      for (std::size_t i = 1; i < value.size(); ++i) {
        if (q == '"' && value[i] == '\\') {
          ++i;
        } else if (value[i] == q) {
          close = i;
          break;
        }
      }
      if (close == std::string_view::npos) {
        result.errors.push_back("line " + std::to_string(line_no) + ": unterminated quote");
        continue;
      }
      const auto inner = value.substr(1, close - 1);
      if (q == '"') {
        for (std::size_t i = 0; i < inner.size(); ++i) {
          if (inner[i] == '\\' && i + 1 < inner.size()) {
            const char n = inner[++i];
            parsed += n == 'n' ? '\n' : n == 't' ? '\t' : n;
          } else {
            parsed += inner[i];
          }
        }
      } else {
        parsed.assign(inner);
      }
    } else {
      // An unquoted value ends at " #" (inline comment).
      const auto hash = value.find(" #");
      parsed.assign(trim(value.substr(0, hash)));
    }
    result.entries.push_back({std::string(key), std::move(parsed), line_no});
  }
  return result;
}

}  // namespace parley
