// Small text helpers written once: ASCII case folding, trimming and the UTF-8 length of a string. ASCII only
// on purpose: protocol tokens, header names, hosts and settings keys, where a locale must not change the
// answer.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace parley::text {

// What std::isspace accepts in the C locale.
inline constexpr std::string_view kWhitespace = " \t\n\v\f\r";
// HTTP's optional whitespace around header values and list items (RFC 9110 §5.6.3).
inline constexpr std::string_view kBlanks = " \t";
// What configuration values and settings text have always been trimmed of.
inline constexpr std::string_view kBlanksAndLineEnds = " \t\r\n";

std::string lower(std::string_view s);
std::string upper(std::string_view s);

// `s` without leading and trailing `chars`. A view into `s`: keep what it views alive.
std::string_view trim(std::string_view s, std::string_view chars = kWhitespace);
// Only the leading or only the trailing `chars`.
std::string_view trim_start(std::string_view s, std::string_view chars = kWhitespace);
std::string_view trim_end(std::string_view s, std::string_view chars = kWhitespace);
// The same as a copy, for results that are kept or trims of temporaries.
inline std::string trimmed(std::string_view s, std::string_view chars = kWhitespace) {
  return std::string(trim(s, chars));
}

// True when `s` starts with `lower_prefix`, ignoring the case of `s` (`lower_prefix` is lower case).
bool starts_with_lower(std::string_view s, std::string_view lower_prefix);

// Code points: the bytes that are not UTF-8 continuation bytes (call on valid UTF-8).
std::size_t utf8_length(std::string_view s);

}  // namespace parley::text
