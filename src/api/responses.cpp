#include "api/responses.hpp"

#include <boost/json/serialize.hpp>

#include "core/json.hpp"

namespace parley::api {

net::Response json_response(int status, const boost::json::value& body) {
  return net::Response::json(status, parley::json::serialize(body));
}

int http_status(const Error& error) {
  return http_status(error.kind, error.upstream_status);
}

int http_status(ErrorKind kind, int upstream_status) {
  switch (kind) {
    case ErrorKind::invalid_request:
      return 400;
    case ErrorKind::unauthorized:
      return 401;
    case ErrorKind::rate_limited:
      return 429;
    case ErrorKind::invalid_content:
      return 422;
    case ErrorKind::not_found:
      return 404;
    case ErrorKind::conflict:
      return 409;
    case ErrorKind::too_large:
      return 413;
    case ErrorKind::unsupported_type:
      return 415;
    case ErrorKind::not_configured:
      return 503;
    case ErrorKind::upstream_failed:
      return 502;
    case ErrorKind::upstream_timeout:
      return 504;
    case ErrorKind::upstream_answer:
      return upstream_status > 0 ? upstream_status : 502;  // relayed as the upstream answered
    case ErrorKind::internal:
      break;
  }
  return 500;
}

net::Response error_response(const Error& error) {
  return json_response(http_status(error), boost::json::object{{"detail", error.detail}});
}

net::Response error_response(int status, std::string_view message) {
  return json_response(status, boost::json::object{{"detail", boost::json::string(message)}});
}

namespace {

bool is_json_content_type(std::string_view ct) {
  const auto semi = ct.find(';');
  auto type = ct.substr(0, semi);
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  while (!type.empty() && type.front() == ' ') type.remove_prefix(1);
  if (type.empty()) return true;
  if (net::iequals(type, "application/json")) return true;
  return type.size() > 5 && net::iequals(type.substr(type.size() - 5), "+json");
}

}  // namespace

std::optional<Error> json_content_type_problem(const net::Request& req) {
  const auto ct = req.headers.get("Content-Type");
  if (!ct || is_json_content_type(*ct)) return std::nullopt;
  ValidationErrors errors;
  errors.add("model_attributes_type", loc({"body"}),
             "Input should be a valid JSON body sent with Content-Type: application/json");
  return errors.to_error();
}

Result<boost::json::value> parse_json_body(const net::Request& req) {
  if (auto problem = json_content_type_problem(req)) return *problem;
  std::string why;
  if (!json::is_valid_utf8(req.body)) why = "invalid UTF-8";
  auto parsed = why.empty() ? json::parse(req.body, &why) : std::nullopt;
  if (!parsed) {
    ValidationErrors errors;
    errors.add("json_invalid", loc({"body", 0}), "JSON decode error: " + why);
    return errors.to_error();
  }
  return std::move(*parsed);
}

}  // namespace parley::api
