#include "llm/model_filters.hpp"

#include <boost/json/parser.hpp>
#include <boost/json/serialize.hpp>
#include <cctype>
#include <cmath>

#include "core/json.hpp"
#include "core/text.hpp"

namespace parley::llm {

namespace bj = boost::json;

namespace {

std::string lower_trim(std::string_view s) {
  return text::lower(text::trim(s));
}

std::string leaf_text(const bj::value& v) {
  if (v.is_string()) return lower_trim(v.as_string());
  if (v.is_bool()) return v.as_bool() ? "true" : "false";
  return lower_trim(parley::json::serialize(v));
}

void collect_leaves(const bj::value& v, std::vector<std::string>& out) {
  if (v.is_null()) return;
  if (v.is_array()) {
    for (const auto& i : v.as_array()) collect_leaves(i, out);
  } else if (v.is_object()) {
    for (const auto& kv : v.as_object()) collect_leaves(kv.value(), out);
  } else {
    out.push_back(leaf_text(v));
  }
}

std::optional<double> number_of(const bj::value& v) {
  if (v.is_int64()) return static_cast<double>(v.as_int64());
  if (v.is_uint64()) return static_cast<double>(v.as_uint64());
  if (v.is_double()) return v.as_double();
  if (v.is_string()) {
    auto s = lower_trim(v.as_string());
    if (s.empty()) return std::nullopt;
    char* end = nullptr;
    const double d = std::strtod(s.c_str(), &end);
    if (end == s.c_str() + s.size() && std::isfinite(d)) return d;
  }
  return std::nullopt;
}

bool values_equal(const bj::value& a, const bj::value& b) {
  if (a.is_string() && b.is_string()) return lower_trim(a.as_string()) == lower_trim(b.as_string());
  const auto na = number_of(a), nb = number_of(b);
  if (!a.is_string() && !b.is_string() && na && nb) return *na == *nb;
  if (a.is_bool() || b.is_bool()) return a.is_bool() && b.is_bool() && a.as_bool() == b.as_bool();
  if (a.is_string() || b.is_string()) return leaf_text(a) == leaf_text(b);
  return a == b;
}

bool any_equal(const std::vector<const bj::value*>& values, const bj::value& criterion) {
  if (criterion.is_array()) {
    for (const auto& c : criterion.as_array()) {
      for (const auto* v : values) {
        if (values_equal(*v, c)) return true;
      }
    }
    return false;
  }
  for (const auto* v : values) {
    if (values_equal(*v, criterion)) return true;
  }
  return false;
}

bool operator_holds(const std::string& op, const bj::value& arg,
                    const std::vector<const bj::value*>& values) {
  if (op == "eq" || op == "equals") return any_equal(values, arg);
  if (op == "neq" || op == "not") return !any_equal(values, arg);
  if (op == "contains" || op == "substring") {
    if (arg.is_null()) return false;
    const auto needle = leaf_text(arg);
    for (const auto* v : values) {
      if (leaf_text(*v).find(needle) != std::string::npos) return true;
    }
    return false;
  }
  if (op == "in" || op == "one_of") return arg.is_array() && any_equal(values, arg);
  if (op == "min" || op == "gte" || op == "max" || op == "lte") {
    const auto threshold = number_of(arg);
    if (!threshold) return false;
    const bool is_min = op == "min" || op == "gte";
    for (const auto* v : values) {
      if (auto n = number_of(*v); n && (is_min ? *n >= *threshold : *n <= *threshold)) return true;
    }
    return false;
  }
  if (op == "exists") {
    const bool want = arg.is_bool() ? arg.as_bool() : true;
    return want == !values.empty();
  }
  return false;  // an unknown operator fails the match
}

void resolve(const bj::value& v, const std::vector<std::string>& parts, std::size_t i,
             std::vector<const bj::value*>& out) {
  if (v.is_array()) {
    for (const auto& item : v.as_array()) resolve(item, parts, i, out);
    return;
  }
  if (i == parts.size()) {
    if (!v.is_null()) out.push_back(&v);
    return;
  }
  if (!v.is_object()) return;
  if (const auto* next = v.as_object().if_contains(parts[i])) resolve(*next, parts, i + 1, out);
}

}  // namespace

std::vector<const bj::value*> resolve_path(const bj::value& root, std::string_view path) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    const auto dot = path.find('.', start);
    parts.emplace_back(
        path.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  std::vector<const bj::value*> out;
  resolve(root, parts, 0, out);
  return out;
}

Result<bj::object> parse_filters(std::string_view text) {
  std::string why;
  auto parsed = json::parse(text, &why);
  if (!parsed) return Error::invalid_request("Invalid filters parameter: " + why);
  if (!parsed->is_object()) return Error::invalid_request("Filters parameter must be a JSON object.");
  return std::move(parsed->as_object());
}

bool matches_search(const bj::object& model, const std::vector<std::string>& tokens) {
  if (tokens.empty()) return true;
  std::vector<std::string> leaves;
  collect_leaves(model, leaves);
  for (const auto& t : tokens) {
    bool found = false;
    for (const auto& l : leaves) {
      if (l.find(t) != std::string::npos) {
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}

bool matches_filters(const bj::object& model, const bj::object& filters) {
  const bj::value root = model;
  for (const auto& kv : filters) {
    const auto values = resolve_path(root, kv.key());
    const auto& criterion = kv.value();
    if (criterion.is_object()) {
      for (const auto& op : criterion.as_object()) {
        if (!operator_holds(std::string(op.key()), op.value(), values)) return false;
      }
    } else if (!any_equal(values, criterion)) {
      return false;
    }
  }
  return true;
}

}  // namespace parley::llm
