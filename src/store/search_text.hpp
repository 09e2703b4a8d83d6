// Text rules of the conversation list and search (api.md §8.1): a message's searchable text, derived
// titles, search terms with every query-syntax character neutralised, and snippets. Shared by both backends
// so they match the same way.
#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::store {

// String content as is; the `text` members of text fragments joined with spaces; otherwise empty.
std::string searchable_text(const boost::json::value& content);

// Whitespace collapsed, cut to 80 characters (the last one `…` when cut); nullopt when nothing is left.
std::optional<std::string> derived_title(std::string_view text);

// Lower case, Latin diacritics removed, every run of non-word characters turned into one space.
std::string fold_for_search(std::string_view text);

// One whitespace-separated token of q (at most 16) as its word segments, e.g. "don't" -> {"don","t"}.
// Tokens with no word character (`"`, `*`, `NEAR(`, `-`) contribute nothing.
using SearchTerm = std::vector<std::string>;
std::vector<SearchTerm> search_terms(std::string_view q);

// SQLite FTS5 MATCH expression: every term a quoted phrase whose last word is a prefix, all ANDed.
std::string fts5_match_expression(const std::vector<SearchTerm>& terms);
// PostgreSQL to_tsquery('simple', ...) text: `'a' <-> 'b':* & 'c':*`.
std::string tsquery_expression(const std::vector<SearchTerm>& terms);

// Up to 200 characters of `text` around the first word that starts with a term's first segment.
std::string make_snippet(std::string_view text, const std::vector<SearchTerm>& terms);

// True when `haystack` contains `needle` ignoring case (Unicode simple folding for Latin; ASCII otherwise).
bool contains_case_insensitive(std::string_view haystack, std::string_view needle);

}  // namespace parley::store
