// The enrichment of upstream model entries for GET /api/models (api.md §2.8) and the tool capability used for
// gating (§3.3 step 6). Pure functions over Boost.JSON values.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <vector>

namespace parley::llm {

// The spec's "truthy": true, non-zero numbers, non-empty arrays/objects, strings other than
// "", false, 0, none, null, no, disabled (trimmed, lower-cased).
bool truthy(const boost::json::value& v);
// Returns the model with every enrichment key of §2.8 added or overwritten.
boost::json::object enrich_model(const boost::json::object& model);
// §3.3 step 6: true/false when determined, nullopt when unknown.
std::optional<bool> tool_capability(const boost::json::object& model);
// Code-point order sort + de-duplication helpers shared with the metadata route.
void sort_unique(std::vector<std::string>& v);

}  // namespace parley::llm
