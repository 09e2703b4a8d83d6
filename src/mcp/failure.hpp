// How MCP operations fail: the core Result (core/error.hpp) with mcp's own error, a readable message. MCP
// failures reach people as text (a tool result, a server's status line, the CLI), never as an HTTP status, so
// the error is the message alone; api/ decides a status where one is needed. Expected failures are values.
#pragma once

#include <boost/assert/source_location.hpp>
#include <stdexcept>
#include <string>
#include <utility>

#include "core/error.hpp"

namespace parley::mcp {

struct Failure {
  enum class Kind {
    failed,           // anything else: the message says what
    session_expired,  // the server no longer knows the session (HTTP 404); nothing was done, so a retry on a
                      // new session is safe
  };
  // Made only through fail(): a Failure constructible from a string would make Result<std::string, Failure>
  // (and any value a string converts to) ambiguous between its value and its error.
  struct Made {
    explicit Made() = default;
  };
  Failure() = default;  // what Result::error() answers for a value
  Failure(Made /*unused*/, std::string text, Kind k) : message(std::move(text)), kind(k) {}

  std::string message;
  Kind kind = Kind::failed;
};

// `return fail("...")` converts to any Result<T, Failure>.
inline Failure fail(std::string message, Failure::Kind kind = Failure::Kind::failed) {
  return Failure(Failure::Made{}, std::move(message), kind);
}

inline Result<void, Failure> success() {
  return {};
}

// Result::value() on a failure throws this (found by argument-dependent lookup); callers test first.
[[noreturn]] inline void throw_exception_from_error(const Failure& e, const boost::source_location&) {
  throw std::runtime_error(e.message);
}

}  // namespace parley::mcp
