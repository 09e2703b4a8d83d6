// JSON helpers: strict parsing (valid UTF-8, one value), compact serialization, and the sorted 2-space
// pretty printer used for data/*.json documents (api.md §4.0).
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace parley::json {

namespace bj = boost::json;

// Parses exactly one JSON value; nullopt on any syntax error or invalid UTF-8. `error` gets a readable
// reason.
std::optional<bj::value> parse(std::string_view text, std::string* error = nullptr);
std::string serialize(const bj::value& v);
// The same, appended to `out` (large bodies written in pieces).
void serialize_append(const bj::value& v, std::string& out);
// A JSON string literal of `s` (quotes and escapes as serialize writes them), appended to `out`.
void append_string(std::string_view s, std::string& out);
// 2-space indentation, object keys sorted, trailing newline.
std::string pretty_sorted(const bj::value& v);
bool is_valid_utf8(std::string_view s);
// The string member `key` of `o`, or "" when it is missing or not a string.
std::string string_member(const bj::object& o, std::string_view key);

}  // namespace parley::json
