// The `search` and `filters` query of GET /api/models (api.md §2.8): token search over every leaf value and
// dotted-path filters with operators, both over enriched models.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace parley::llm {

struct ModelQuery {
  bool tools_only = false;
  std::vector<std::string> search_tokens;  // lower-cased
  boost::json::object filters;
};

// Parses `filters` (a JSON object text). 400 errors use the spec's messages.
Result<boost::json::object> parse_filters(std::string_view text);
bool matches_search(const boost::json::object& model, const std::vector<std::string>& tokens);
bool matches_filters(const boost::json::object& model, const boost::json::object& filters);
// Values found at a dotted path; lists along the path are traversed, a list at the end contributes its
// elements.
std::vector<const boost::json::value*> resolve_path(const boost::json::value& root, std::string_view path);

}  // namespace parley::llm
