// Reading a tools/call `arguments` object with type checks. Problems are collected as values: the first
// one becomes the isError text the model reads ("Argument 'limit' must be an integer, got a string.").
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::mcp::builtin {

class ToolArguments {
 public:
  explicit ToolArguments(const boost::json::object& arguments) : args_(arguments) {}

  // A missing or null argument gives nullopt / the default; a value of the wrong type records a problem.
  std::optional<std::string> optional_string(std::string_view name);
  std::string required_string(std::string_view name);
  bool boolean(std::string_view name, bool fallback);
  // Integers; a double with no fraction (3.0) is accepted. Outside [min, max] records a problem.
  std::int64_t integer(std::string_view name, std::int64_t fallback, std::int64_t min, std::int64_t max);
  std::optional<std::int64_t> optional_integer(std::string_view name, std::int64_t min, std::int64_t max);
  // Any JSON number (integers exactly as written when they are int64/uint64).
  std::optional<boost::json::value> required_number(std::string_view name);
  const boost::json::array* optional_array(std::string_view name);
  // One of `allowed`; missing means `fallback`.
  std::string choice(std::string_view name, std::string_view fallback,
                     const std::vector<std::string>& allowed);
  // Records a problem found by the tool itself (cross-field rules).
  void fail(std::string message);

  [[nodiscard]] bool ok() const { return problem_.empty(); }
  [[nodiscard]] const std::string& problem() const { return problem_; }
  [[nodiscard]] bool has(std::string_view name) const;

 private:
  const boost::json::value* find(std::string_view name) const;
  void wrong_type(std::string_view name, std::string_view expected, const boost::json::value& got);
  const boost::json::object& args_;
  std::string problem_;
};

// "a string", "an array", ... for messages.
std::string json_kind_name(const boost::json::value& v);

}  // namespace parley::mcp::builtin
