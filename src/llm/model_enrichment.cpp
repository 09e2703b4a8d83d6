#include "llm/model_enrichment.hpp"
#include "core/json.hpp"
#include "core/text.hpp"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <cctype>
#include <cmath>
#include <set>

namespace parley::llm {

namespace bj = boost::json;

namespace {

using text::lower;
using text::trim;

std::string stringify(const bj::value& v) {
  if (v.is_string()) return std::string(v.as_string());
  if (v.is_bool()) return v.as_bool() ? "true" : "false";
  if (v.is_int64()) return std::to_string(v.as_int64());
  if (v.is_uint64()) return std::to_string(v.as_uint64());
  if (v.is_double()) return parley::json::serialize(v);
  return parley::json::serialize(v);
}

std::optional<double> as_number(const bj::value& v) {
  if (v.is_int64()) return static_cast<double>(v.as_int64());
  if (v.is_uint64()) return static_cast<double>(v.as_uint64());
  if (v.is_double()) return v.as_double();
  if (v.is_string()) {
    const std::string s(trim(v.as_string()));
    if (s.empty()) return std::nullopt;
    char* end = nullptr;
    const double d = std::strtod(s.c_str(), &end);
    if (end != s.c_str() + s.size() || !std::isfinite(d)) return std::nullopt;
    return d;
  }
  return std::nullopt;
}

constexpr const char* kToolIndicators[] = {"tools", "tool_choice", "parallel_tool_calls", "functions",
                                           "function_calling"};

bool is_tool_indicator(const std::string& s) {
  for (const char* t : kToolIndicators) {
    if (s == t) return true;
  }
  return false;
}

bj::array modalities(const bj::object& model, const char* key) {
  std::vector<std::string> out;
  if (const auto* arch = model.if_contains("architecture"); arch && arch->is_object()) {
    if (const auto* list = arch->as_object().if_contains(key); list && list->is_array()) {
      for (const auto& item : list->as_array()) {
        if (item.is_null()) continue;
        auto s = lower(trim(stringify(item)));
        if (!s.empty()) out.push_back(s);
      }
    }
  }
  sort_unique(out);
  return bj::array(out.begin(), out.end());
}

// Splits on runs of whitespace, '/', '_', '-'.
void add_tokens(const std::string& text, std::set<std::string>& out) {
  std::string cur;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c)) || c == '/' || c == '_' || c == '-') {
      if (!cur.empty()) out.insert(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.insert(cur);
}

std::vector<std::string> provider_aliases(const std::string& prefix) {
  static const std::vector<std::pair<std::string, std::vector<std::string>>> table = {
      {"openai", {"gpt"}},
      {"anthropic", {"claude"}},
      {"google", {"gemini", "PaLM", "pam"}},
      {"x-ai", {"grok"}},
      {"cohere", {"cohere"}},
      {"amazon", {"nova"}},
      {"perplexity", {}},
      {"openrouter", {"router"}},
      {"mistralai", {"mistral"}},
      {"deepseek", {"deepseek"}},
      {"yi", {"yi"}},
      {"01-ai", {"yi"}},
      {"meta-llama", {"llama", "llama2", "llama3", "llama4"}},
      {"meta", {"llama"}},
      {"qwen", {"qwen"}},
      {"microsoft", {"other"}},
      {"nvidia", {"other"}},
  };
  const auto l = lower(prefix);
  for (const auto& [p, aliases] : table) {
    if (l == p) return aliases;
  }
  return {};
}

}  // namespace

void sort_unique(std::vector<std::string>& v) {
  std::sort(v.begin(), v.end());  // std::string compares bytes: code-point order for UTF-8
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

bool truthy(const bj::value& v) {
  switch (v.kind()) {
    case bj::kind::bool_:
      return v.as_bool();
    case bj::kind::int64:
      return v.as_int64() != 0;
    case bj::kind::uint64:
      return v.as_uint64() != 0;
    case bj::kind::double_:
      return v.as_double() != 0.0;
    case bj::kind::string: {
      const auto s = lower(trim(v.as_string()));
      return !(s.empty() || s == "false" || s == "0" || s == "none" || s == "null" || s == "no" ||
               s == "disabled");
    }
    case bj::kind::array:
      return !v.as_array().empty();
    case bj::kind::object:
      return !v.as_object().empty();
    default:
      return false;
  }
}

std::optional<bool> tool_capability(const bj::object& model) {
  std::vector<const bj::value*> candidates;
  if (const auto* caps = model.if_contains("capabilities"); caps && caps->is_object()) {
    for (const char* k : {"tools", "functions", "function_calling", "tool_choice", "tool_calls"}) {
      candidates.push_back(caps->as_object().if_contains(k));
    }
  }
  for (const char* k : {"tools", "functions", "supports_tools", "supports_functions"}) {
    candidates.push_back(model.if_contains(k));
  }
  bool remembered_false = false;
  for (const auto* c : candidates) {
    if (!c || c->is_null()) continue;
    // The first non-null value decides; a literal false is remembered.
    if (truthy(*c)) return true;
    if (c->is_bool() && !c->as_bool()) remembered_false = true;
    break;
  }
  if (!remembered_false) {
    if (const auto* sp = model.if_contains("supported_parameters"); sp && sp->is_array()) {
      for (const auto& p : sp->as_array()) {
        if (p.is_string() && is_tool_indicator(lower(trim(p.as_string())))) return true;
      }
      remembered_false = true;
    }
  }
  if (remembered_false) return false;
  return std::nullopt;
}

bj::object enrich_model(const bj::object& model) {
  bj::object m = model;

  bool supports = false;
  if (const auto* caps = model.if_contains("capabilities"); caps && caps->is_object()) {
    for (const char* k : {"tools", "functions", "function_calling", "tool_choice", "tool_calls"}) {
      if (const auto* v = caps->as_object().if_contains(k); v && truthy(*v)) supports = true;
    }
  }
  for (const char* k : {"tools", "functions", "supports_tools", "supports_functions"}) {
    if (const auto* v = model.if_contains(k); v && truthy(*v)) supports = true;
  }
  std::optional<bj::array> params;
  if (const auto* sp = model.if_contains("supported_parameters"); sp && sp->is_array()) {
    bj::array cleaned;
    std::vector<std::string> normalized;
    for (const auto& p : sp->as_array()) {
      if (p.is_null()) continue;
      const std::string s(trim(stringify(p)));
      if (s.empty()) continue;
      cleaned.emplace_back(s);
      normalized.push_back(lower(s));
      if (is_tool_indicator(lower(s))) supports = true;
    }
    sort_unique(normalized);
    m["supported_parameters"] = std::move(cleaned);
    m["supported_parameters_normalized"] = bj::array(normalized.begin(), normalized.end());
  }
  m["supports_tools"] = supports;
  m["input_modalities"] = modalities(model, "input_modalities");
  m["output_modalities"] = modalities(model, "output_modalities");
  if (const auto* cl = model.if_contains("context_length");
      cl && cl->is_double() && std::isfinite(cl->as_double())) {
    m["context_length"] = static_cast<std::int64_t>(std::trunc(cl->as_double()));
  }
  if (const auto* pricing = model.if_contains("pricing"); pricing && pricing->is_object()) {
    if (const auto* prompt = pricing->as_object().if_contains("prompt")) {
      if (auto price = as_number(*prompt)) {
        m["prompt_price"] = *price;
        m["prompt_price_per_million"] = *price * 1000000.0;
      }
    }
  }

  std::set<std::string> series{"Other"};
  const auto* id_value = model.if_contains("id");
  if (id_value && id_value->is_string()) {
    const std::string id(id_value->as_string());
    series.insert(id);
    const auto slash = id.find('/');
    const std::string prefix = slash == std::string::npos ? id : id.substr(0, slash);
    series.insert(prefix);
    if (slash != std::string::npos) series.insert(id.substr(slash + 1));
    add_tokens(id, series);
    for (auto& a : provider_aliases(prefix)) series.insert(a);
    m["provider_prefix"] = prefix;
  } else {
    m["provider_prefix"] = nullptr;
  }
  if (const auto* name = model.if_contains("name"); name && name->is_string()) {
    add_tokens(std::string(name->as_string()), series);
  }
  series.erase("");
  std::vector<std::string> normalized;
  for (const auto& s : series) normalized.push_back(lower(s));
  sort_unique(normalized);
  m["series"] = bj::array(series.begin(), series.end());
  m["series_normalized"] = bj::array(normalized.begin(), normalized.end());
  return m;
}

}  // namespace parley::llm
