#include "mcp/elicitation.hpp"

#include <boost/json/serialize.hpp>
#include <cmath>
#include <optional>

namespace parley::mcp {

namespace asio = boost::asio;
namespace bj = boost::json;

namespace {

const bj::object* properties_of(const bj::object& schema) {
  const auto* p = schema.if_contains("properties");
  return p != nullptr && p->is_object() ? &p->get_object() : nullptr;
}

std::vector<std::string> required_of(const bj::object& schema) {
  std::vector<std::string> out;
  if (const auto* r = schema.if_contains("required"); r != nullptr && r->is_array()) {
    for (const auto& item : r->get_array()) {
      if (item.is_string()) out.emplace_back(item.get_string());
    }
  }
  return out;
}

std::string type_of(const bj::object& property) {
  const auto* t = property.if_contains("type");
  return t != nullptr && t->is_string() ? std::string(t->get_string()) : std::string();
}

std::optional<double> number_of(const bj::value& v) {
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  if (v.is_double()) return v.get_double();
  return std::nullopt;
}

std::optional<double> bound(const bj::object& property, const char* key) {
  const auto* v = property.if_contains(key);
  return v != nullptr ? number_of(*v) : std::nullopt;
}

bool is_member(const bj::value& value, const std::vector<bj::value>& members) {
  for (const auto& m : members) {
    if (m == value) return true;
  }
  return false;
}

std::size_t utf8_length(std::string_view text) {
  std::size_t n = 0;
  for (const char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0U) != 0x80U) ++n;
  }
  return n;
}

bool digits(std::string_view s, std::size_t from, std::size_t count) {
  if (s.size() < from + count) return false;
  for (std::size_t i = from; i < from + count; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

// The basic shape of the formats the elicitation schema allows; a server validates the rest.
bool fits_format(std::string_view format, std::string_view text) {
  if (format == "email") {
    const auto at = text.find('@');
    return at != std::string_view::npos && at > 0 && at + 1 < text.size() &&
           text.find_first_of(" \t\r\n") == std::string_view::npos;
  }
  if (format == "uri") {
    const auto colon = text.find(':');
    return colon != std::string_view::npos && colon > 0 &&
           text.find_first_of(" \t\r\n") == std::string_view::npos;
  }
  if (format == "date") {
    return text.size() == 10 && digits(text, 0, 4) && text[4] == '-' && digits(text, 5, 2) &&
           text[7] == '-' && digits(text, 8, 2);
  }
  if (format == "date-time") {
    return text.size() >= 19 && fits_format("date", text.substr(0, 10)) &&
           (text[10] == 'T' || text[10] == 't') && digits(text, 11, 2) && text[13] == ':' &&
           digits(text, 14, 2) && text[16] == ':' && digits(text, 17, 2);
  }
  return true;
}

void check_property(const std::string& name, const bj::object& property, const bj::value& value,
                    std::vector<std::string>& problems) {
  const std::string type = type_of(property);
  if (type == "array") {
    if (!value.is_array()) {
      problems.push_back(name + ": expected a list of choices");
      return;
    }
    const auto* items = property.if_contains("items");
    const auto members =
        items != nullptr && items->is_object() ? enum_values(items->get_object()) : std::vector<bj::value>{};
    for (const auto& item : value.get_array()) {
      if (!members.empty() && !is_member(item, members)) {
        problems.push_back(name + ": " + bj::serialize(item) + " is not one of the choices");
      }
    }
    const auto count = static_cast<double>(value.get_array().size());
    if (auto min = bound(property, "minItems"); min && count < *min) {
      problems.push_back(name + ": choose at least " + bj::serialize(property.at("minItems")));
    }
    if (auto max = bound(property, "maxItems"); max && count > *max) {
      problems.push_back(name + ": choose at most " + bj::serialize(property.at("maxItems")));
    }
    return;
  }
  if (const auto members = enum_values(property); !members.empty()) {
    if (!is_member(value, members))
      problems.push_back(name + ": " + bj::serialize(value) + " is not one of the choices");
    return;
  }
  if (type == "boolean") {
    if (!value.is_bool()) problems.push_back(name + ": expected true or false");
    return;
  }
  if (type == "integer" || type == "number") {
    const auto n = number_of(value);
    if (!n || (type == "integer" && std::floor(*n) != *n)) {
      problems.push_back(name + (type == "integer" ? ": expected a whole number" : ": expected a number"));
      return;
    }
    if (auto min = bound(property, "minimum"); min && *n < *min) {
      problems.push_back(name + ": must be at least " + bj::serialize(property.at("minimum")));
    }
    if (auto max = bound(property, "maximum"); max && *n > *max) {
      problems.push_back(name + ": must be at most " + bj::serialize(property.at("maximum")));
    }
    return;
  }
  if (type == "string") {
    if (!value.is_string()) {
      problems.push_back(name + ": expected text");
      return;
    }
    const std::string_view text = value.get_string();
    const auto length = static_cast<double>(utf8_length(text));
    if (auto min = bound(property, "minLength"); min && length < *min) {
      problems.push_back(name + ": at least " + bj::serialize(property.at("minLength")) + " characters");
    }
    if (auto max = bound(property, "maxLength"); max && length > *max) {
      problems.push_back(name + ": at most " + bj::serialize(property.at("maxLength")) + " characters");
    }
    if (const auto* format = property.if_contains("format"); format != nullptr && format->is_string()) {
      if (!fits_format(format->get_string(), text)) {
        problems.push_back(name + ": not a valid " + std::string(format->get_string()));
      }
    }
  }
}

}  // namespace

std::vector<bj::value> enum_values(const bj::object& property) {
  std::vector<bj::value> out;
  if (const auto* e = property.if_contains("enum"); e != nullptr && e->is_array()) {
    for (const auto& v : e->get_array()) out.push_back(v);
    return out;
  }
  for (const char* key : {"oneOf", "anyOf"}) {
    const auto* list = property.if_contains(key);
    if (list == nullptr || !list->is_array()) continue;
    for (const auto& option : list->get_array()) {
      const auto* c = option.is_object() ? option.get_object().if_contains("const") : nullptr;
      if (c != nullptr) out.push_back(*c);
    }
    if (!out.empty()) return out;
  }
  return out;
}

Result<ElicitationRequest, Failure> parse_elicitation_request(std::string server_id,
                                                              const bj::object& params) {
  ElicitationRequest r;
  r.server_id = std::move(server_id);
  if (const auto* mode = params.if_contains("mode"); mode != nullptr && mode->is_string()) {
    r.mode = std::string(mode->get_string());
  }
  if (r.mode != "form" && r.mode != "url") return fail("unknown elicitation mode '" + r.mode + "'");
  if (const auto* message = params.if_contains("message"); message != nullptr && message->is_string()) {
    r.message = std::string(message->get_string());
  }
  if (r.mode == "url") {
    const auto* url = params.if_contains("url");
    if (url == nullptr || !url->is_string() || url->get_string().empty()) {
      return fail("a url-mode elicitation needs a url");
    }
    r.url = std::string(url->get_string());
    if (const auto* id = params.if_contains("elicitationId"); id != nullptr && id->is_string()) {
      r.elicitation_id = std::string(id->get_string());
    }
    return r;
  }
  const auto* schema = params.if_contains("requestedSchema");
  if (schema == nullptr || !schema->is_object())
    return fail("elicitation/create needs a requestedSchema object");
  r.requested_schema = schema->get_object();
  return r;
}

bj::object elicitation_result(const ElicitationAnswer& answer) {
  switch (answer.action) {
    case ElicitationAction::accept: {
      bj::object result{{"action", "accept"}};
      if (!answer.content.empty()) result["content"] = answer.content;
      return result;
    }
    case ElicitationAction::cancel:
      return {{"action", "cancel"}};
    case ElicitationAction::decline:
      break;
  }
  return {{"action", "decline"}};
}

bj::object with_schema_defaults(const bj::object& schema, bj::object content) {
  const auto* properties = properties_of(schema);
  if (properties == nullptr) return content;
  for (const auto& [name, property] : *properties) {
    if (!property.is_object() || content.contains(name)) continue;
    if (const auto* d = property.get_object().if_contains("default")) content[name] = *d;
  }
  return content;
}

std::vector<std::string> check_elicitation_content(const bj::object& schema, const bj::object& content) {
  std::vector<std::string> problems;
  const auto* properties = properties_of(schema);
  for (const auto& name : required_of(schema)) {
    if (!content.contains(name)) problems.push_back(name + ": required");
  }
  for (const auto& [name, value] : content) {
    const bj::value* property = properties != nullptr ? properties->if_contains(name) : nullptr;
    if (property == nullptr || !property->is_object()) {
      problems.push_back(std::string(name) + ": not asked for");
      continue;
    }
    check_property(std::string(name), property->get_object(), value, problems);
  }
  return problems;
}

asio::awaitable<ElicitationAnswer> DefaultsElicitation::elicit(ElicitationRequest request, CancelSignal*) {
  ElicitationAnswer answer;
  if (request.mode != "form") co_return answer;  // nothing to fill in; visiting a URL needs a person
  answer.content = with_schema_defaults(request.requested_schema, {});
  if (!check_elicitation_content(request.requested_schema, answer.content).empty()) {
    answer.content.clear();
    co_return answer;
  }
  answer.action = ElicitationAction::accept;
  co_return answer;
}

asio::awaitable<ElicitationAnswer> DecliningElicitation::elicit(ElicitationRequest, CancelSignal*) {
  co_return ElicitationAnswer{};
}

}  // namespace parley::mcp
