#include "mcp/oauth/client_identity.hpp"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "core/json.hpp"

namespace parley::mcp::oauth {

namespace bj = boost::json;

namespace {

bool lists(const std::vector<std::string>& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

bj::array array_of(const std::vector<std::string>& items) {
  bj::array out;
  for (const auto& i : items) out.emplace_back(i);
  return out;
}

}  // namespace

std::string registration_body(const RegistrationRequest& request) {
  bj::object body{
      {"client_name", request.client_name},
      {"redirect_uris", array_of(request.redirect_uris)},
      {"grant_types", array_of(request.grant_types)},
      {"response_types", bj::array{"code"}},
      {"token_endpoint_auth_method", request.token_endpoint_auth_method},
  };
  if (request.scope) body["scope"] = *request.scope;
  return json::serialize(body);
}

Result<ClientIdentity, Failure> parse_registration_response(int status, std::string_view body) {
  const auto parsed = json::parse(body);
  const bj::object* o = parsed && parsed->is_object() ? &parsed->get_object() : nullptr;
  if (status < 200 || status >= 300) {
    std::string error = o != nullptr ? json::string_member(*o, "error") : std::string();
    std::string description = o != nullptr ? json::string_member(*o, "error_description") : std::string();
    if (description.size() > 300) description = description.substr(0, 300) + "...";
    return fail("the authorization server refused to register parley (HTTP " + std::to_string(status) +
                (error.empty() ? "" : ", " + error) + (description.empty() ? "" : ": " + description) + ")");
  }
  if (o == nullptr) return fail("the registration answer is not a JSON object");
  ClientIdentity c;
  c.client_id = json::string_member(*o, "client_id");
  if (c.client_id.empty()) return fail("the registration answer has no client_id");
  c.client_secret = json::string_member(*o, "client_secret");
  c.token_endpoint_auth_method = json::string_member(*o, "token_endpoint_auth_method");
  c.registration = "dynamic";
  return c;
}

std::string preferred_registration_auth_method(const AuthorizationServerMetadata& server) {
  const auto& methods = server.token_endpoint_auth_methods_supported;
  if (lists(methods, "none")) return "none";
  if (lists(methods, "client_secret_basic")) return "client_secret_basic";
  if (lists(methods, "client_secret_post")) return "client_secret_post";
  return "none";
}

std::string auth_method_for_secret(const AuthorizationServerMetadata& server) {
  const auto& methods = server.token_endpoint_auth_methods_supported;
  if (!lists(methods, "client_secret_basic") && lists(methods, "client_secret_post"))
    return "client_secret_post";
  return "client_secret_basic";
}

}  // namespace parley::mcp::oauth
