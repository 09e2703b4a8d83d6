// Elicitation (MCP 2025-11-25, client feature): a server asks the user for input while it handles a request.
// The request and answer types, the interface a front end (the CLI today, the chat UI later) implements, and
// the schema helpers every front end shares: SEP-1034 defaults and the check of an answer against the form.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <vector>

#include "core/cancel_signal.hpp"
#include "mcp/failure.hpp"

namespace parley::mcp {

struct ElicitationRequest {
  std::string server_id;
  std::string mode = "form";  // "form": fill in requested_schema; "url": visit `url` out of band
  std::string message;
  boost::json::object requested_schema;  // form mode: {"type":"object","properties":{...},"required":[...]}
  std::string url;                       // url mode
  std::string elicitation_id;            // url mode
};

enum class ElicitationAction { accept, decline, cancel };

struct ElicitationAnswer {
  ElicitationAction action = ElicitationAction::decline;
  boost::json::object content;  // accept in form mode: the values, keyed by property name
};

// What a front end implements. The session bounds every call with its own timeout and cancels it when the
// session ends, so an implementation may wait for a person for as long as it likes.
class ElicitationHandler {
 public:
  virtual ~ElicitationHandler() = default;
  // Declared in initialize's capabilities; a url-mode request to a handler without it is declined.
  [[nodiscard]] virtual bool supports_url_mode() const { return false; }
  virtual boost::asio::awaitable<ElicitationAnswer> elicit(ElicitationRequest request,
                                                           CancelSignal* cancel) = 0;
};

// The `params` of elicitation/create; a form without an object schema is refused (invalid params).
Result<ElicitationRequest, Failure> parse_elicitation_request(std::string server_id,
                                                              const boost::json::object& params);
// The `result` of elicitation/create for an answer.
boost::json::object elicitation_result(const ElicitationAnswer& answer);

// SEP-1034: `content` plus the schema's default for every property the answer left out.
boost::json::object with_schema_defaults(const boost::json::object& schema, boost::json::object content);
// What is wrong with `content` as an answer to the form (required properties, primitive types, enum members,
// string lengths and formats' basic shape, number ranges); empty when it fits.
std::vector<std::string> check_elicitation_content(const boost::json::object& schema,
                                                   const boost::json::object& content);
// The values a property may take when it is an enum (`enum`, or `oneOf`/`anyOf` of `const`s, SEP-1330);
// empty when it is not one.
std::vector<boost::json::value> enum_values(const boost::json::object& property);

// Answers every form with the schema's defaults (`parley mcp --elicitation accept-defaults`); declines when a
// required property has no default, since nothing could be invented for it.
class DefaultsElicitation final : public ElicitationHandler {
 public:
  boost::asio::awaitable<ElicitationAnswer> elicit(ElicitationRequest request, CancelSignal* cancel) override;
};

// Declines everything: for clients that cannot ask anyone.
class DecliningElicitation final : public ElicitationHandler {
 public:
  boost::asio::awaitable<ElicitationAnswer> elicit(ElicitationRequest request, CancelSignal* cancel) override;
};

}  // namespace parley::mcp
