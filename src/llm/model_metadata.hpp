// GET /api/models/metadata (api.md §2.9): every dotted path seen in the enriched models with counts, types,
// examples, boolean values and numeric ranges, plus the facets a model picker filters on.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

namespace parley::llm {

// `models` are enriched model objects (see enrich_model).
boost::json::object models_metadata(const boost::json::array& models);

}  // namespace parley::llm
