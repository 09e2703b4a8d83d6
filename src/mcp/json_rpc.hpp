// JSON-RPC 2.0 framing for MCP: building requests, notifications and responses, and classifying what a server
// sent (a single message or a batch) without trusting its shape.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::mcp::rpc {

namespace bj = boost::json;

// Standard error codes.
inline constexpr std::int64_t method_not_found = -32601;
inline constexpr std::int64_t invalid_request = -32600;
inline constexpr std::int64_t invalid_params = -32602;
inline constexpr std::int64_t parse_error = -32700;

std::string request(std::int64_t id, std::string_view method, const bj::object& params);
std::string notification(std::string_view method, const bj::object& params);
std::string result_response(const bj::value& id, const bj::value& result);
std::string error_response(const bj::value& id, std::int64_t code, std::string_view message);

struct Incoming {
  enum class Kind {
    response,      // result or error for one of our requests
    request,       // the server asks us something (ping, roots/list, ...)
    notification,  // no id
    invalid,       // not a JSON-RPC message; `problem` says why
  } kind = Kind::invalid;
  std::optional<std::int64_t> id;  // our numeric id for responses
  bj::value raw_id;                // the id as sent, for answering requests
  std::string method;
  bj::object params;
  std::optional<bj::value> result;
  std::optional<bj::object> error;  // {"code","message","data"?}
  std::string problem;
};

// One message object, or every element of a batch array.
std::vector<Incoming> classify(const bj::value& message);
// Parses one line/body of text and classifies it; malformed JSON becomes one invalid item.
std::vector<Incoming> parse(std::string_view text);

// Our ids (and progress tokens) are integers; servers may echo them as unsigned, float or string.
std::optional<std::int64_t> numeric_id(const bj::value& id);

// "code: message" from a JSON-RPC error object, for last_error and tool results.
std::string describe_error(const bj::object& error);

}  // namespace parley::mcp::rpc
