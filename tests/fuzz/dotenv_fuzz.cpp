// Fuzz target for the .env parser (core/dotenv): any file gives entries with valid names in line order or
// errors per line, and a value written the way the parser reads it (quoted with its escapes, single-quoted,
// or bare) comes back unchanged.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/dotenv.hpp"
#include "fuzz_check.hpp"

namespace {

bool key_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == '-';
}

void any_file(std::string_view text) {
  const auto parsed = parley::parse_dotenv(text);
  std::size_t lines = 1;
  for (const char c : text) lines += c == '\n' ? 1 : 0;
  FUZZ_REQUIRE(parsed.entries.size() + parsed.errors.size() <= lines);
  int last_line = 0;
  for (const auto& e : parsed.entries) {
    FUZZ_REQUIRE(e.line > last_line && static_cast<std::size_t>(e.line) <= lines);
    last_line = e.line;
    FUZZ_REQUIRE(!e.key.empty());
    for (const char c : e.key) FUZZ_REQUIRE(key_char(c));
  }
}

void written_value(FuzzedDataProvider& in) {
  std::string key = "K";
  for (const char c : in.ConsumeRandomLengthString(16))
    if (key_char(c)) key += c;
  const auto style = in.ConsumeIntegralInRange<int>(0, 2);
  const auto value = in.ConsumeRemainingBytesAsString();
  std::string line = in.ConsumeBool() ? "export " + key + "=" : key + " = ";
  if (style == 0) {
    // Double quotes: backslash escapes for '\', '"', LF and TAB.
    line += '"';
    for (const char c : value) {
      if (c == '\\' || c == '"') {
        line += '\\';
        line += c;
      } else if (c == '\n') {
        line += "\\n";
      } else if (c == '\t') {
        line += "\\t";
      } else {
        line += c;
      }
    }
    line += '"';
  } else if (style == 1) {
    // Single quotes: the value as it is, so it cannot hold a quote or a line break.
    if (value.find_first_of("'\n") != std::string::npos) return;
    line += "'" + value + "'";
  } else {
    // Bare: no quote first, no " #", no line break, nothing to trim.
    if (value.find_first_of("\n") != std::string::npos || value.find(" #") != std::string::npos) return;
    if (!value.empty() &&
        (value.front() == '"' || value.front() == '\'' || value.front() == ' ' || value.front() == '\t' ||
         value.back() == ' ' || value.back() == '\t' || value.back() == '\r'))
      return;
    line += value;
  }
  const auto parsed = parley::parse_dotenv("# written by a test\n" + line + "\nNEXT=1\n");
  FUZZ_REQUIRE(parsed.errors.empty() && parsed.entries.size() == 2);
  FUZZ_REQUIRE(parsed.entries[0].key == key && parsed.entries[0].value == value &&
               parsed.entries[0].line == 2);
  FUZZ_REQUIRE(parsed.entries[1].key == "NEXT" && parsed.entries[1].value == "1");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  if (in.ConsumeBool()) {
    any_file(in.ConsumeRemainingBytesAsString());
  } else {
    written_value(in);
  }
  return 0;
}
