// Drive v3's query language (the `q` parameter of files.list): string literals that a name cannot break out
// of, and the search tool's rule for when a query is already Drive syntax and when it is plain words.
#pragma once

#include <string>
#include <string_view>

namespace parley::google {

// A string literal of Drive's query language: in single quotes, with backslash and single quote escaped.
std::string drive_literal(std::string_view s);
// A query that already uses Drive's syntax goes through unchanged; plain words search names and contents.
std::string drive_query(const std::string& query);

}  // namespace parley::google
