#include "keys/api_key_settings.hpp"

#include <algorithm>
#include <cmath>

#include "core/json.hpp"
#include "core/text.hpp"

namespace parley::keys {

namespace bj = boost::json;

namespace {

constexpr std::size_t kMaxNameLength = 100;
constexpr std::size_t kMaxListItems = 200;
constexpr std::size_t kMaxItemLength = 300;
constexpr double kMaxCapUsd = 1e9;

// A list of distinct non-empty strings at body.<field>; problems are added to `errors`.
std::vector<std::string> string_list(const bj::value& v, const char* field, ValidationErrors& errors) {
  std::vector<std::string> out;
  if (!v.is_array()) {
    errors.add("list_type", loc({"body", field}), "Input should be a valid list");
    return out;
  }
  const auto& a = v.as_array();
  if (a.size() > kMaxListItems) {
    errors.add("too_long", loc({"body", field}),
               "List should have at most " + std::to_string(kMaxListItems) + " items");
    return out;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto& item = a[i];
    if (!item.is_string()) {
      errors.add("string_type", loc({"body", field, static_cast<std::int64_t>(i)}),
                 "Input should be a valid string");
      continue;
    }
    std::string s(text::trimmed(std::string_view(item.as_string()), text::kBlanks));
    if (s.empty() || s.size() > kMaxItemLength || !json::is_valid_utf8(s)) {
      errors.add("value_error", loc({"body", field, static_cast<std::int64_t>(i)}),
                 "Value error, entries must be 1 to " + std::to_string(kMaxItemLength) + " characters");
      continue;
    }
    if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

bool ApiKeySettings::allows_model(const std::string& model) const {
  return models.empty() || std::find(models.begin(), models.end(), model) != models.end();
}

bool ApiKeySettings::allows_server(const std::string& server_id) const {
  return !mcp_servers || std::find(mcp_servers->begin(), mcp_servers->end(), server_id) != mcp_servers->end();
}

bj::object ApiKeySettings::to_json() const {
  bj::object o;
  bj::array m;
  for (const auto& s : models) m.emplace_back(s);
  o["models"] = std::move(m);
  if (mcp_servers) {
    bj::array servers;
    for (const auto& s : *mcp_servers) servers.emplace_back(s);
    o["mcp_servers"] = std::move(servers);
  } else {
    o["mcp_servers"] = nullptr;
  }
  o["spending_cap_usd"] = spending_cap_nanodollars ? bj::value(nanodollars_to_usd(*spending_cap_nanodollars))
                                                   : bj::value(nullptr);
  o["store_history"] = store_history;
  return o;
}

Result<NewApiKey> parse_new_api_key(const bj::value& body) {
  ValidationErrors errors;
  if (!body.is_object()) {
    errors.add("dict_type", loc({"body"}), "Input should be a valid dictionary");
    return errors.to_error();
  }
  const auto& o = body.as_object();
  NewApiKey out;
  for (const auto& kv : o) {
    const std::string key(kv.key());
    const auto& v = kv.value();
    if (key == "name") {
      if (!v.is_string()) {
        errors.add("string_type", loc({"body", "name"}), "Input should be a valid string");
        continue;
      }
      out.name = text::trimmed(std::string_view(v.as_string()), text::kBlanks);
      if (out.name.empty() || out.name.size() > kMaxNameLength) {
        errors.add("string_too_short", loc({"body", "name"}),
                   "Name must have 1 to " + std::to_string(kMaxNameLength) + " characters");
      }
    } else if (key == "models") {
      if (!v.is_null()) out.settings.models = string_list(v, "models", errors);
    } else if (key == "mcp_servers") {
      if (!v.is_null()) out.settings.mcp_servers = string_list(v, "mcp_servers", errors);
    } else if (key == "spending_cap_usd") {
      if (v.is_null()) continue;
      if (!v.is_number()) {
        errors.add("float_type", loc({"body", "spending_cap_usd"}), "Input should be a valid number");
        continue;
      }
      const double usd = v.to_number<double>();
      if (!std::isfinite(usd) || usd < 0 || usd > kMaxCapUsd) {
        errors.add("value_error", loc({"body", "spending_cap_usd"}),
                   "Value error, the spending cap must be between 0 and 1000000000 USD");
        continue;
      }
      out.settings.spending_cap_nanodollars = usd_to_nanodollars(usd);
    } else if (key == "store_history") {
      if (!v.is_bool()) {
        errors.add("bool_type", loc({"body", "store_history"}), "Input should be a valid boolean");
        continue;
      }
      out.settings.store_history = v.get_bool();
    } else {
      errors.add("extra_forbidden", loc({"body", key}), "Extra inputs are not permitted");
    }
  }
  if (!o.contains("name")) errors.add("missing", loc({"body", "name"}), "Field required");
  if (!errors.empty()) return errors.to_error();
  return out;
}

ApiKeySettings settings_from_stored(std::string_view json_text) {
  ApiKeySettings s;
  auto parsed = json::parse(json_text);
  if (!parsed || !parsed->is_object()) return s;
  const auto& o = parsed->as_object();
  auto strings = [](const bj::value& v) {
    std::vector<std::string> out;
    if (v.is_array())
      for (const auto& item : v.as_array())
        if (item.is_string()) out.emplace_back(item.as_string());
    return out;
  };
  if (const auto* m = o.if_contains("models")) s.models = strings(*m);
  if (const auto* m = o.if_contains("mcp_servers"); m && m->is_array()) s.mcp_servers = strings(*m);
  if (const auto* c = o.if_contains("spending_cap_usd"); c && c->is_number())
    s.spending_cap_nanodollars = usd_to_nanodollars(c->to_number<double>());
  if (const auto* h = o.if_contains("store_history"); h && h->is_bool()) s.store_history = h->get_bool();
  return s;
}

std::int64_t usd_to_nanodollars(double usd) {
  if (!std::isfinite(usd) || usd <= 0) return 0;
  if (usd > 9e9) return static_cast<std::int64_t>(9e18);
  return static_cast<std::int64_t>(std::llround(usd * 1e9));
}

double nanodollars_to_usd(std::int64_t nanodollars) {
  return static_cast<double>(nanodollars) / 1e9;
}

}  // namespace parley::keys
