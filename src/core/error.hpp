// Expected failures as values (architecture.md, "Errors"): one result type, Result<T, E>, whose error is a
// domain error. Error is the one services return: a kind saying what went wrong in the domain's terms and the
// spec's detail payload ({"detail": ...}, api.md §0.5). Lower layers keep their own richer error structs
// (net::TransportError, llm::ProviderError, blob::BlobError) in the same Result. Only api/ turns a kind into
// an HTTP status (api/responses.cpp, http_status), so no layer below it names a status code.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <boost/system/result.hpp>
#include <initializer_list>
#include <string>
#include <string_view>

namespace parley {

enum class ErrorKind {
  invalid_request,   // the request cannot be done as asked (400)
  unauthorized,      // no credentials, or ones that are not valid (401)
  invalid_content,   // well-formed, but breaks a rule; the detail may be a list of validation items (422)
  not_found,         // what was named does not exist (404)
  conflict,          // it exists already (409)
  too_large,         // over a size limit (413)
  rate_limited,      // over a rate or spending limit; try later or raise the limit (429)
  unsupported_type,  // a media type that is not accepted (415)
  not_configured,    // a setting the operation needs is missing, e.g. the upstream API key (503)
  upstream_failed,   // an upstream service failed or answered nonsense (502)
  upstream_timeout,  // an upstream service did not answer in time (504)
  upstream_answer,   // an upstream's own error answer, relayed with its status (proxy routes)
  internal,          // a failure parley cannot explain to the client (500)
};

struct Error {
  ErrorKind kind = ErrorKind::internal;
  // A string, or a list of validation items (invalid_content), or an upstream's JSON (upstream_answer).
  boost::json::value detail;
  int upstream_status = 0;  // upstream_answer: the status the upstream answered with

  static Error make(ErrorKind kind, std::string_view message);
  static Error invalid_request(std::string_view message) { return make(ErrorKind::invalid_request, message); }
  static Error invalid_content(std::string_view message) { return make(ErrorKind::invalid_content, message); }
  static Error not_found(std::string_view message = "Not Found") {
    return make(ErrorKind::not_found, message);
  }
  static Error conflict(std::string_view message) { return make(ErrorKind::conflict, message); }
  static Error internal(std::string_view message = "Internal Server Error") {
    return make(ErrorKind::internal, message);
  }
  static Error upstream_answer(int status, boost::json::value detail) {
    return Error{ErrorKind::upstream_answer, std::move(detail), status};
  }
};

// Collects validation items and turns them into one invalid_content Error.
class ValidationErrors {
 public:
  void add(std::string type, boost::json::array loc, std::string msg);
  void add(std::string type, boost::json::array loc, std::string msg, boost::json::value input);
  [[nodiscard]] bool empty() const { return items_.empty(); }
  [[nodiscard]] Error to_error() const;

 private:
  boost::json::array items_;
};

// A location array like ["body","messages",0,"content"].
boost::json::array loc(std::initializer_list<boost::json::value_ref> parts);

template <class T, class E = Error>
using Result = boost::system::result<T, E>;

}  // namespace parley
