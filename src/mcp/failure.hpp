// The result type of MCP operations: a value, or a readable failure message (expected failures are values).
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace parley::mcp {

struct Done {};

template <class T>
class Outcome {
 public:
  Outcome(T value) : value_(std::move(value)) {}  // NOLINT(google-explicit-constructor): reads like a return
  static Outcome failure(std::string message) {
    Outcome o;
    o.error_ = std::move(message);
    return o;
  }
  explicit operator bool() const { return value_.has_value(); }
  [[nodiscard]] T& value() { return *value_; }
  [[nodiscard]] const T& value() const { return *value_; }
  [[nodiscard]] const std::string& error() const { return error_; }

 private:
  Outcome() = default;
  std::optional<T> value_;
  std::string error_;
};

inline Outcome<Done> success() {
  return Outcome<Done>(Done{});
}

}  // namespace parley::mcp
