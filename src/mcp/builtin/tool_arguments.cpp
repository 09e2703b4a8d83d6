#include "mcp/builtin/tool_arguments.hpp"

#include <cmath>

namespace parley::mcp::builtin {

namespace bj = boost::json;

std::string json_kind_name(const bj::value& v) {
  switch (v.kind()) {
    case bj::kind::null:
      return "null";
    case bj::kind::bool_:
      return "a boolean";
    case bj::kind::int64:
    case bj::kind::uint64:
    case bj::kind::double_:
      return "a number";
    case bj::kind::string:
      return "a string";
    case bj::kind::array:
      return "an array";
    case bj::kind::object:
      return "an object";
  }
  return "a value";
}

const bj::value* ToolArguments::find(std::string_view name) const {
  const auto* v = args_.if_contains(name);
  return v == nullptr || v->is_null() ? nullptr : v;
}

bool ToolArguments::has(std::string_view name) const {
  return find(name) != nullptr;
}

void ToolArguments::fail(std::string message) {
  if (problem_.empty()) problem_ = std::move(message);
}

void ToolArguments::wrong_type(std::string_view name, std::string_view expected, const bj::value& got) {
  fail("Argument '" + std::string(name) + "' must be " + std::string(expected) + ", got " +
       json_kind_name(got) + ".");
}

std::optional<std::string> ToolArguments::optional_string(std::string_view name) {
  const auto* v = find(name);
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) {
    wrong_type(name, "a string", *v);
    return std::nullopt;
  }
  return std::string(v->get_string());
}

std::string ToolArguments::required_string(std::string_view name) {
  if (find(name) == nullptr) {
    fail("Argument '" + std::string(name) + "' is required.");
    return {};
  }
  return optional_string(name).value_or(std::string());
}

bool ToolArguments::boolean(std::string_view name, bool fallback) {
  const auto* v = find(name);
  if (v == nullptr) return fallback;
  if (!v->is_bool()) {
    wrong_type(name, "true or false", *v);
    return fallback;
  }
  return v->get_bool();
}

std::optional<std::int64_t> ToolArguments::optional_integer(std::string_view name, std::int64_t min,
                                                            std::int64_t max) {
  const auto* v = find(name);
  if (v == nullptr) return std::nullopt;
  const std::string range = "Argument '" + std::string(name) + "' must be between " + std::to_string(min) +
                            " and " + std::to_string(max) + ".";
  std::optional<std::int64_t> value;
  if (v->is_int64()) value = v->get_int64();
  if (v->is_uint64()) {
    if (v->get_uint64() > static_cast<std::uint64_t>(INT64_MAX)) {
      fail(range);
      return std::nullopt;
    }
    value = static_cast<std::int64_t>(v->get_uint64());
  }
  if (v->is_double()) {
    const double d = v->get_double();
    if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) < 9.0e15) value = static_cast<std::int64_t>(d);
  }
  if (!value) {
    wrong_type(name, "an integer", *v);
    return std::nullopt;
  }
  if (*value < min || *value > max) {
    fail(range);
    return std::nullopt;
  }
  return value;
}

std::int64_t ToolArguments::integer(std::string_view name, std::int64_t fallback, std::int64_t min,
                                    std::int64_t max) {
  return optional_integer(name, min, max).value_or(fallback);
}

std::optional<bj::value> ToolArguments::required_number(std::string_view name) {
  const auto* v = find(name);
  if (v == nullptr) {
    fail("Argument '" + std::string(name) + "' is required.");
    return std::nullopt;
  }
  if (!v->is_number()) {
    wrong_type(name, "a number", *v);
    return std::nullopt;
  }
  return *v;
}

const bj::array* ToolArguments::optional_array(std::string_view name) {
  const auto* v = find(name);
  if (v == nullptr) return nullptr;
  if (!v->is_array()) {
    wrong_type(name, "an array", *v);
    return nullptr;
  }
  return &v->get_array();
}

std::string ToolArguments::choice(std::string_view name, std::string_view fallback,
                                  const std::vector<std::string>& allowed) {
  auto value = optional_string(name);
  if (!value) return std::string(fallback);
  for (const auto& a : allowed) {
    if (*value == a) return *value;
  }
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + ("'" + a + "'");
  fail("Argument '" + std::string(name) + "' must be one of " + list + ", got '" + *value + "'.");
  return std::string(fallback);
}

}  // namespace parley::mcp::builtin
