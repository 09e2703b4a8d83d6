// How the upstream will route the active model (api.md §2.12): the provider preferences of the model settings
// applied to the model's endpoints (or the provider list), as a description for the settings page.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <optional>
#include <string>

namespace parley::llm {

struct RoutingInputs {
  std::string model_id;
  std::optional<boost::json::object> provider;  // the model settings' provider object; null = none
  boost::json::array providers;                 // GET /providers `data` (empty on failure)
  boost::json::array endpoints;  // GET /models/{id}/endpoints `data.endpoints` (empty on failure)
};

// The §2.12 response for the inputs. Pure: no I/O.
boost::json::object describe_active_provider(const RoutingInputs& in);
// The §2.12 "unexpected failure" response.
boost::json::object active_provider_fallback(const std::string& model_id, const std::string& message);
// "$1,234.50", "$0.150", "$0.0004": 2 decimals from 1, 3 from 0.01, else 4, with thousands separators.
std::string format_usd(double value);
// Whether the upstream lists endpoints for a model id: ids with an author and a slug, except openrouter/auto.
bool lists_model_endpoints(const std::string& model_id);

}  // namespace parley::llm
