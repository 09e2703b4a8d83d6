// Fuzz target for logging_settings.conf (core/log parse_settings): any file gives settings within range and
// one error per bad line, and the settings parley documents read back as written.
#include <fuzzer/FuzzedDataProvider.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/log.hpp"
#include "fuzz_check.hpp"

namespace {

using parley::log::Level;

bool in_range(Level l) {
  return l >= Level::debug && l <= Level::off;
}

constexpr std::array<std::pair<const char*, Level>, 6> kLevels{{{"debug", Level::debug},
                                                                {"INFO", Level::info},
                                                                {"warning", Level::warning},
                                                                {"warn", Level::warning},
                                                                {"error", Level::error},
                                                                {"off", Level::off}}};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  if (in.ConsumeBool()) {
    const auto text = in.ConsumeRemainingBytesAsString();
    std::vector<std::string> errors;
    const auto s = parley::log::parse_settings(text, errors);
    FUZZ_REQUIRE(in_range(s.terminal) && in_range(s.sessions) && in_range(s.conversations));
    FUZZ_REQUIRE(s.retention_hours >= 1);
    std::size_t lines = 1;
    for (const char c : text) lines += c == '\n' ? 1 : 0;
    FUZZ_REQUIRE(errors.size() <= lines);
    return 0;
  }
  const auto terminal = kLevels[in.ConsumeIntegralInRange<std::size_t>(0, kLevels.size() - 1)];
  const auto sessions = kLevels[in.ConsumeIntegralInRange<std::size_t>(0, kLevels.size() - 1)];
  const auto hours = in.ConsumeIntegralInRange<int>(1, 1'000'000);
  const std::string eol = in.ConsumeBool() ? "\r\n" : "\n";
  std::string comment;
  for (const char c : in.ConsumeRandomLengthString(64))
    if (c != '\n') comment += c;
  std::string text = "[logging]" + eol + "# " + comment + eol + "terminal = " + terminal.first + eol +
                     "  Sessions=" + sessions.first + "  " + eol + "; retention" + eol +
                     "retention_hours = " + std::to_string(hours);
  std::vector<std::string> errors;
  const auto s = parley::log::parse_settings(text, errors);
  FUZZ_REQUIRE(errors.empty());
  FUZZ_REQUIRE(s.terminal == terminal.second && s.sessions == sessions.second && s.retention_hours == hours);
  FUZZ_REQUIRE(s.conversations == Level::info);
  return 0;
}
