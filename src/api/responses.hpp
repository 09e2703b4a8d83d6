// Shaping responses at the API edge: the spec's error shape, JSON bodies, and JSON request parsing with the
// content-type rule of api.md §0.4.
#pragma once

#include <optional>

#include <boost/json/value.hpp>
#include <string_view>

#include "core/error.hpp"
#include "net/http_types.hpp"

namespace parley::api {

net::Response json_response(int status, const boost::json::value& body);
// The one place a domain error becomes an HTTP status (architecture.md, "Errors").
int http_status(const Error& error);
int http_status(ErrorKind kind, int upstream_status = 0);  // upstream_status: for upstream_answer
net::Response error_response(const Error& error);
net::Response error_response(int status, std::string_view message);

// Parses the body of a JSON route: content type must be JSON (or absent), body valid UTF-8 JSON.
// Failures are 422 with a json_invalid item (or a content-type item).
Result<boost::json::value> parse_json_body(const net::Request& req);
// The 422 of §0.4 when the request names a content type that is not JSON; nullopt when it may be parsed.
std::optional<Error> json_content_type_problem(const net::Request& req);

}  // namespace parley::api
