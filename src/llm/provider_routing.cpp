#include "llm/provider_routing.hpp"
#include "core/json.hpp"

#include "core/text.hpp"
#include "llm/model_enrichment.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <vector>

namespace parley::llm {

namespace bj = boost::json;

namespace {

// One routing candidate: a model endpoint, or a provider when the model lists no endpoints.
struct Candidate {
  std::string name;  // provider.name, what `order`, `only` and `ignore` match
  std::string slug;
  std::string endpoint_id;
  std::optional<std::string> region;
  std::optional<double> prompt, completion, request, image;  // prompt/completion per million tokens
  std::optional<double> throughput;
  std::optional<double> latency_ms;
  bool zero_data_retention = false;
};

std::optional<double> number_of(const bj::value* v) {
  if (!v) return std::nullopt;
  if (v->is_double()) return v->get_double();
  if (v->is_int64()) return static_cast<double>(v->get_int64());
  if (v->is_uint64()) return static_cast<double>(v->get_uint64());
  if (v->is_string()) {
    const auto& s = v->get_string();
    double d = 0;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
    if (ec == std::errc() && p == s.data() + s.size() && std::isfinite(d)) return d;
  }
  return std::nullopt;
}

// A 30-minute statistic: a plain number, or an object of percentiles of which p50 is used.
std::optional<double> statistic(const bj::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v && v->is_object()) return number_of(v->as_object().if_contains("p50"));
  return number_of(v);
}

// The spec's truthiness (§2.8) of an optional member.
bool truthy(const bj::value* v) {
  return v && llm::truthy(*v);
}

Candidate from_endpoint(const bj::object& e) {
  Candidate c;
  const auto* nested = e.if_contains("provider");
  if (nested && nested->is_object()) {
    c.name = parley::json::string_member(nested->as_object(), "name");
    c.slug = parley::json::string_member(nested->as_object(), "slug");
    c.zero_data_retention = truthy(nested->as_object().if_contains("zero_data_retention"));
  }
  if (c.name.empty()) c.name = parley::json::string_member(e, "provider_name");
  const std::string tag = parley::json::string_member(e, "tag");
  if (c.slug.empty()) c.slug = tag.substr(0, tag.find('/'));
  c.endpoint_id = parley::json::string_member(e, "id");
  if (c.endpoint_id.empty()) c.endpoint_id = tag.empty() ? c.slug : tag;
  if (const auto* r = e.if_contains("region"); r && r->is_string()) c.region = std::string(r->get_string());
  if (const auto* p = e.if_contains("pricing"); p && p->is_object()) {
    const auto& pr = p->as_object();
    const auto per_million = [](std::optional<double> v) { return v ? std::optional(*v * 1e6) : v; };
    c.prompt = per_million(number_of(pr.if_contains("prompt")));
    c.completion = per_million(number_of(pr.if_contains("completion")));
    c.request = number_of(pr.if_contains("request"));
    c.image = number_of(pr.if_contains("image"));
  }
  c.throughput = statistic(e, "throughput_last_30m");
  c.latency_ms = statistic(e, "latency_last_30m");
  c.zero_data_retention = c.zero_data_retention || truthy(e.if_contains("zero_data_retention"));
  return c;
}

Candidate from_provider(const bj::object& p) {
  Candidate c;
  c.name = parley::json::string_member(p, "name");
  c.slug = parley::json::string_member(p, "slug");
  c.endpoint_id = c.slug;
  c.zero_data_retention = truthy(p.if_contains("zero_data_retention"));
  return c;
}

// `order`, `only` and `ignore` name providers; the exact name is what the spec matches, and a slug or a
// differently cased name ("openai" for "OpenAI", as OpenRouter's own documentation writes them) also matches.
bool names_provider(const Candidate& c, const std::string& entry) {
  if (c.name == entry) return true;
  const auto e = text::lower(entry);
  return text::lower(c.name) == e || (!c.slug.empty() && text::lower(c.slug) == e);
}

std::vector<std::string> strings_in(const bj::object& prefs, std::string_view key) {
  std::vector<std::string> out;
  const auto* v = prefs.if_contains(key);
  if (v && v->is_array()) {
    for (const auto& item : v->get_array())
      if (item.is_string()) out.emplace_back(item.get_string());
  } else if (v && v->is_string()) {
    out.emplace_back(v->get_string());
  }
  return out;
}

std::string joined(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& s : items) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

bool has_preferences(const std::optional<bj::object>& provider) {
  if (!provider) return false;
  for (const auto& [key, value] : *provider) {
    if (value.is_null()) continue;
    if (value.is_array() && value.get_array().empty()) continue;
    return true;
  }
  return false;
}

bj::value number_or_null(std::optional<double> v) {
  return v ? bj::value(*v) : bj::value(nullptr);
}

std::string summary_of(const Candidate& c) {
  std::vector<std::string> parts;
  std::string display = c.name.empty() ? c.slug : c.name;
  if (!c.slug.empty() && text::lower(c.slug) != text::lower(display)) display += " (" + c.slug + ")";
  parts.push_back(display);
  if (c.region) parts.push_back(*c.region);
  const std::pair<std::optional<double>, const char*> prices[] = {
      {c.completion, "/m completion"}, {c.prompt, "/m prompt"}, {c.request, "/request"}, {c.image, "/image"}};
  for (const auto& [price, unit] : prices) {
    if (price) {
      parts.push_back(format_usd(*price) + unit);
      break;
    }
  }
  if (c.throughput) parts.push_back(std::to_string(std::llround(*c.throughput)) + " tok/s");
  if (c.latency_ms) parts.push_back(std::to_string(std::llround(*c.latency_ms)) + " ms latency");
  return joined(parts, " · ");
}

bj::object endpoint_json(const Candidate& c) {
  return bj::object{
      {"display_name", c.name},
      {"slug", c.slug},
      {"provider_id", c.slug},
      {"endpoint_id", c.endpoint_id},
      {"region", c.region ? bj::value(*c.region) : bj::value(nullptr)},
      {"pricing", bj::object{{"prompt", number_or_null(c.prompt)},
                             {"completion", number_or_null(c.completion)},
                             {"request", number_or_null(c.request)},
                             {"image", number_or_null(c.image)}}},
      {"throughput_tokens_per_second", number_or_null(c.throughput)},
      {"latency_ms", number_or_null(c.latency_ms)},
      {"summary", summary_of(c)},
  };
}

void select(bj::object& out, const Candidate& c) {
  auto endpoint = endpoint_json(c);
  out["provider"] = endpoint.at("summary");
  out["provider_id"] = c.slug;
  out["provider_slug"] = c.slug;
  out["selected_endpoint"] = std::move(endpoint);
}

// Ascending by `key`, unknown values last; stable so equal candidates keep the upstream's order.
template <typename Key>
void sort_known_first(std::vector<Candidate>& list, Key key, bool descending) {
  std::stable_sort(list.begin(), list.end(), [&](const Candidate& a, const Candidate& b) {
    const auto ka = key(a), kb = key(b);
    if (!ka || !kb) return ka.has_value() && !kb.has_value();
    return descending ? *ka > *kb : *ka < *kb;
  });
}

}  // namespace

std::string format_usd(double value) {
  const int decimals = value >= 1 ? 2 : value >= 0.01 ? 3 : 4;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  std::string digits(buf);
  const auto dot = digits.find('.');
  std::string whole = digits.substr(0, dot);
  const std::string frac = dot == std::string::npos ? std::string() : digits.substr(dot);
  std::string grouped;
  for (std::size_t i = 0; i < whole.size(); ++i) {
    if (i > 0 && (whole.size() - i) % 3 == 0) grouped += ',';
    grouped += whole[i];
  }
  return "$" + grouped + frac;
}

bool lists_model_endpoints(const std::string& model_id) {
  const auto slash = model_id.find('/');
  return slash != std::string::npos && slash != 0 && slash + 1 != model_id.size() &&
         model_id != "openrouter/auto";
}

bj::object describe_active_provider(const RoutingInputs& in) {
  std::vector<Candidate> candidates;
  for (const auto& e : in.endpoints)
    if (e.is_object()) candidates.push_back(from_endpoint(e.get_object()));
  const bool has_model_endpoints = !candidates.empty();
  if (!has_model_endpoints) {
    for (const auto& p : in.providers)
      if (p.is_object()) candidates.push_back(from_provider(p.get_object()));
  }
  const auto total = static_cast<std::int64_t>(candidates.size());

  if (!has_preferences(in.provider)) {
    return bj::object{{"provider", "OpenRouter default routing"},
                      {"provider_type", "default"},
                      {"model_id", in.model_id},
                      {"total_providers", total},
                      {"available_providers", total},
                      {"routing_strategy", "default"},
                      {"note", "No provider preferences set"},
                      {"has_model_endpoints", has_model_endpoints}};
  }
  const auto& prefs = *in.provider;
  bj::array filters;
  if (const auto* dc = prefs.if_contains("data_collection");
      dc && dc->is_string() && dc->get_string() == "deny") {
    std::erase_if(candidates, [](const Candidate& c) { return !c.zero_data_retention; });
    filters.emplace_back("zero-data retention only");
  }
  if (const auto only = strings_in(prefs, "only"); !only.empty()) {
    std::erase_if(candidates, [&](const Candidate& c) {
      return std::none_of(only.begin(), only.end(),
                          [&](const std::string& o) { return names_provider(c, o); });
    });
    filters.emplace_back("only: " + joined(only, ", "));
  }
  if (const auto ignore = strings_in(prefs, "ignore"); !ignore.empty()) {
    std::erase_if(candidates, [&](const Candidate& c) {
      return std::any_of(ignore.begin(), ignore.end(),
                         [&](const std::string& o) { return names_provider(c, o); });
    });
    filters.emplace_back("ignoring: " + joined(ignore, ", "));
  }

  bj::object out{{"model_id", in.model_id},
                 {"total_providers", total},
                 {"available_providers", static_cast<std::int64_t>(candidates.size())},
                 {"routing_strategy", "dynamic"}};
  const auto order = strings_in(prefs, "order");
  std::string sort;
  if (const auto* s = prefs.if_contains("sort"); s && s->is_string()) {
    sort = std::string(s->get_string());
  } else if (s && s->is_object()) {  // OpenRouter's newer {"by": "price"} form
    sort = parley::json::string_member(s->get_object(), "by");
  }
  if (!order.empty()) {
    out["provider_type"] = "explicit_order";
    bj::array order_json;
    for (const auto& o : order) order_json.emplace_back(o);
    out["provider_order"] = std::move(order_json);
    out["provider"] = order.front();
    bool found = false;
    for (const auto& entry : order) {
      for (const auto& c : candidates) {
        if (names_provider(c, entry)) {
          select(out, c);
          found = true;
          break;
        }
      }
      if (found) break;
    }
  } else if (sort == "price" || sort == "throughput" || sort == "latency") {
    out["provider_type"] = "dynamic_sort";
    out["sort_strategy"] = sort;
    if (candidates.empty()) {
      out["provider"] = sort == "price"        ? "Dynamic (lowest cost provider)"
                        : sort == "throughput" ? "Dynamic (highest throughput provider)"
                                               : "Dynamic (lowest latency provider)";
    } else {
      if (sort == "price")
        sort_known_first(
            candidates, [](const Candidate& c) { return c.completion; }, false);
      if (sort == "throughput")
        sort_known_first(
            candidates, [](const Candidate& c) { return c.throughput; }, true);
      if (sort == "latency")
        sort_known_first(
            candidates, [](const Candidate& c) { return c.latency_ms; }, false);
      select(out, candidates.front());
    }
  } else {
    out["provider"] = "OpenRouter default routing";
    out["provider_type"] = "default";
  }
  out["filters_applied"] = std::move(filters);
  const auto pref = [&](std::string_view key) {
    const auto* v = prefs.if_contains(key);
    return v ? *v : bj::value(nullptr);
  };
  out["allow_fallbacks"] = pref("allow_fallbacks");
  out["require_parameters"] = pref("require_parameters");
  out["has_model_endpoints"] = has_model_endpoints;
  return out;
}

bj::object active_provider_fallback(const std::string& model_id, const std::string& message) {
  const auto slash = model_id.find('/');
  const std::string prefix = slash == std::string::npos || slash == 0 ? "unknown" : model_id.substr(0, slash);
  return bj::object{{"provider", prefix}, {"provider_id", prefix}, {"error", message}, {"fallback", true}};
}

}  // namespace parley::llm
