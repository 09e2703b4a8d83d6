#include "llm/model_metadata.hpp"
#include "core/json.hpp"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <vector>

namespace parley::llm {

namespace bj = boost::json;

namespace {

const char* type_name(const bj::value& v) {
  switch (v.kind()) {
    case bj::kind::string:
      return "string";
    case bj::kind::bool_:
      return "boolean";
    case bj::kind::null:
      return "null";
    case bj::kind::array:
      return "array";
    case bj::kind::object:
      return "object";
    default:
      return "number";
  }
}

std::string sorted_json(const bj::value& v) {
  if (v.is_object()) {
    std::vector<const bj::key_value_pair*> items;
    for (const auto& kv : v.as_object()) items.push_back(&kv);
    std::sort(items.begin(), items.end(), [](auto* a, auto* b) { return a->key() < b->key(); });
    std::string out = "{";
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (i) out += ',';
      out += parley::json::serialize(bj::value(items[i]->key())) + ":" + sorted_json(items[i]->value());
    }
    return out + "}";
  }
  if (v.is_array()) {
    std::string out = "[";
    for (std::size_t i = 0; i < v.as_array().size(); ++i) {
      if (i) out += ',';
      out += sorted_json(v.as_array()[i]);
    }
    return out + "]";
  }
  return parley::json::serialize(v);
}

double number_of(const bj::value& v) {
  if (v.is_int64()) return static_cast<double>(v.as_int64());
  if (v.is_uint64()) return static_cast<double>(v.as_uint64());
  return v.as_double();
}

std::string twelve_digits(double d) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.12g", d);
  return buf;
}

struct PathStats {
  long long count = 0;
  std::set<std::string> types, item_types;
  std::map<std::string, bj::value> numbers;  // 12-digit text -> value (sorted as text, de-duplicated)
  std::set<std::string> strings;
  std::set<bool> booleans;
  std::optional<double> min, max;

  void value(const bj::value& v) {
    if (v.is_number()) {
      const double d = number_of(v);
      numbers.emplace(twelve_digits(d), v);
      min = min ? std::min(*min, d) : d;
      max = max ? std::max(*max, d) : d;
    } else if (v.is_string()) {
      strings.insert(std::string(v.as_string()));
    } else if (v.is_bool()) {
      booleans.insert(v.as_bool());
    } else if (v.is_object()) {
      strings.insert(sorted_json(v));
    }
  }
};

void walk(const bj::value& v, const std::string& path, std::map<std::string, PathStats>& stats) {
  auto& s = stats[path];
  ++s.count;
  s.types.insert(type_name(v));
  if (v.is_array()) {
    for (const auto& item : v.as_array()) {
      s.item_types.insert(type_name(item));
      s.value(item);  // list elements share the list's path
      if (item.is_object()) {
        for (const auto& kv : item.as_object()) walk(kv.value(), path + "." + std::string(kv.key()), stats);
      }
    }
    return;
  }
  if (v.is_object()) {
    s.value(v);
    for (const auto& kv : v.as_object()) walk(kv.value(), path + "." + std::string(kv.key()), stats);
    return;
  }
  s.value(v);
}

bj::array sorted_array(const std::set<std::string>& s) {
  return bj::array(s.begin(), s.end());
}

void collect(const bj::object& m, const char* key, std::set<std::string>& out) {
  if (const auto* v = m.if_contains(key); v && v->is_array()) {
    for (const auto& i : v->as_array()) {
      if (i.is_string()) out.insert(std::string(i.as_string()));
    }
  }
}

bj::object range(const std::optional<double>& lo, const std::optional<double>& hi) {
  return bj::object{{"min", lo ? bj::value(*lo) : bj::value(nullptr)},
                    {"max", hi ? bj::value(*hi) : bj::value(nullptr)}};
}

}  // namespace

bj::object models_metadata(const bj::array& models) {
  std::map<std::string, PathStats> stats;
  std::set<std::string> input, output, params, series, series_normalized;
  std::optional<double> ctx_min, ctx_max, price_min, price_max;
  std::size_t total = 0;
  for (const auto& mv : models) {
    if (!mv.is_object()) continue;
    ++total;
    const auto& m = mv.as_object();
    for (const auto& kv : m) walk(kv.value(), std::string(kv.key()), stats);
    collect(m, "input_modalities", input);
    collect(m, "output_modalities", output);
    collect(m, "supported_parameters_normalized", params);
    collect(m, "series", series);
    collect(m, "series_normalized", series_normalized);
    if (const auto* c = m.if_contains("context_length"); c && c->is_number()) {
      const double d = number_of(*c);
      ctx_min = ctx_min ? std::min(*ctx_min, d) : d;
      ctx_max = ctx_max ? std::max(*ctx_max, d) : d;
    }
    if (const auto* p = m.if_contains("prompt_price_per_million"); p && p->is_number()) {
      const double d = number_of(*p);
      price_min = price_min ? std::min(*price_min, d) : d;
      price_max = price_max ? std::max(*price_max, d) : d;
    }
  }
  bj::array properties;
  for (const auto& [path, s] : stats) {
    bj::object p{{"path", path}, {"count", s.count}, {"types", sorted_array(s.types)}};
    bj::array examples;
    for (const auto& [text, v] : s.numbers) {
      if (examples.size() == 5) break;
      examples.push_back(v);
    }
    for (const auto& str : s.strings) {
      if (examples.size() == 5) break;
      examples.emplace_back(str);
    }
    if (!examples.empty()) p["examples"] = std::move(examples);
    if (!s.booleans.empty()) {
      bj::array b;
      for (bool x : s.booleans) b.emplace_back(x);  // std::set<bool> orders false before true
      p["boolean_values"] = std::move(b);
    }
    if (s.min) p["min"] = *s.min;
    if (s.max) p["max"] = *s.max;
    if (!s.item_types.empty()) p["item_types"] = sorted_array(s.item_types);
    properties.push_back(std::move(p));
  }
  return bj::object{
      {"total", total},
      {"base_count", total},
      {"properties", std::move(properties)},
      {"facets", bj::object{{"input_modalities", sorted_array(input)},
                            {"output_modalities", sorted_array(output)},
                            {"supported_parameters", sorted_array(params)},
                            {"series", sorted_array(series)},
                            {"series_normalized", sorted_array(series_normalized)},
                            {"context_length", range(ctx_min, ctx_max)},
                            {"prompt_price_per_million", range(price_min, price_max)}}},
  };
}

}  // namespace parley::llm
