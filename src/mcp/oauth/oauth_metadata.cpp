#include "mcp/oauth/oauth_metadata.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include "core/json.hpp"

namespace parley::mcp::oauth {

namespace bj = boost::json;
namespace urls = boost::urls;

namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string> strings_of(const bj::object& o, std::string_view key) {
  std::vector<std::string> out;
  const auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_array()) return out;
  for (const auto& item : v->get_array()) {
    if (item.is_string()) out.emplace_back(item.get_string());
  }
  return out;
}

std::optional<std::vector<std::string>> optional_strings(const bj::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_array()) return std::nullopt;
  return strings_of(o, key);
}

Result<bj::object, Failure> object_of(std::string_view body, const char* what) {
  std::string why;
  auto parsed = json::parse(body, &why);
  if (!parsed) return fail(std::string(what) + " is not JSON: " + why);
  if (!parsed->is_object()) return fail(std::string(what) + " is not a JSON object");
  return parsed->get_object();
}

struct Parts {
  std::string scheme;     // lower case
  std::string authority;  // host[:port], lower case, default port dropped
  std::string path;       // encoded, may be empty
  std::string query;      // encoded, without '?'; empty when none
  bool has_query = false;
};

std::optional<Parts> parts_of(std::string_view url) {
  auto parsed = urls::parse_uri(url);  // a fragment is allowed here and dropped
  if (!parsed) return std::nullopt;
  const auto& u = *parsed;
  Parts p;
  p.scheme = lower(u.scheme());
  if ((p.scheme != "http" && p.scheme != "https") || !u.has_authority() || u.encoded_host().empty()) {
    return std::nullopt;
  }
  if (u.has_userinfo()) return std::nullopt;  // credentials in a discovered URL: refused outright
  p.authority = lower(std::string_view(u.encoded_host_and_port()));
  const bool default_port = u.has_port() && ((p.scheme == "http" && u.port() == "80") ||
                                             (p.scheme == "https" && u.port() == "443"));
  if (default_port || (u.has_port() && u.port().empty()))
    p.authority = lower(std::string_view(u.encoded_host()));
  p.path = std::string(u.encoded_path());
  // After an authority a path starts with '/'; Boost.URL reads "//host:x" as host, empty port and path "x",
  // which joined back would be another host (found by the oauth fuzzer).
  if (!p.path.empty() && p.path.front() != '/') return std::nullopt;
  p.has_query = u.has_query();
  p.query = std::string(u.encoded_query());
  return p;
}

std::string without_trailing_slash(std::string path) {
  while (!path.empty() && path.back() == '/') path.pop_back();
  return path;
}

}  // namespace

Result<ProtectedResourceMetadata, Failure> parse_protected_resource_metadata(std::string_view body) {
  auto o = object_of(body, "the protected resource metadata");
  if (!o) return o.error();
  ProtectedResourceMetadata m;
  m.resource = json::string_member(o.value(), "resource");
  if (m.resource.empty()) return fail("the protected resource metadata has no resource");
  m.authorization_servers = strings_of(o.value(), "authorization_servers");
  m.scopes_supported = optional_strings(o.value(), "scopes_supported");
  return m;
}

Result<AuthorizationServerMetadata, Failure> parse_authorization_server_metadata(std::string_view body) {
  auto parsed = object_of(body, "the authorization server metadata");
  if (!parsed) return parsed.error();
  const auto& o = parsed.value();
  AuthorizationServerMetadata m;
  m.issuer = json::string_member(o, "issuer");
  m.authorization_endpoint = json::string_member(o, "authorization_endpoint");
  m.token_endpoint = json::string_member(o, "token_endpoint");
  m.registration_endpoint = json::string_member(o, "registration_endpoint");
  m.response_types_supported = strings_of(o, "response_types_supported");
  m.grant_types_supported = strings_of(o, "grant_types_supported");
  m.code_challenge_methods_supported = strings_of(o, "code_challenge_methods_supported");
  m.token_endpoint_auth_methods_supported = strings_of(o, "token_endpoint_auth_methods_supported");
  m.token_endpoint_auth_signing_alg_values_supported =
      strings_of(o, "token_endpoint_auth_signing_alg_values_supported");
  m.scopes_supported = optional_strings(o, "scopes_supported");
  if (const auto* cimd = o.if_contains("client_id_metadata_document_supported");
      cimd != nullptr && cimd->is_bool()) {
    m.client_id_metadata_document_supported = cimd->get_bool();
  }
  if (m.issuer.empty()) return fail("the authorization server metadata has no issuer");
  if (m.token_endpoint.empty()) return fail("the authorization server metadata has no token_endpoint");
  if (m.grant_types_supported.empty()) m.grant_types_supported = {"authorization_code", "implicit"};
  if (m.token_endpoint_auth_methods_supported.empty())
    m.token_endpoint_auth_methods_supported = {"client_secret_basic"};
  return m;
}

std::optional<std::string> canonical_resource_url(std::string_view url) {
  auto p = parts_of(url);
  if (!p) return std::nullopt;
  std::string out = p->scheme + "://" + p->authority + p->path;
  if (p->has_query) out += "?" + p->query;
  return out;
}

bool resource_covers(std::string_view resource, std::string_view server_url) {
  auto r = parts_of(resource);
  auto s = parts_of(server_url);
  if (!r || !s || r->scheme != s->scheme || r->authority != s->authority) return false;
  const auto parent = without_trailing_slash(r->path);
  const auto child = without_trailing_slash(s->path);
  if (parent.empty() || parent == child) return true;
  return child.size() > parent.size() && child.compare(0, parent.size(), parent) == 0 &&
         child[parent.size()] == '/';
}

std::string origin_of(std::string_view url) {
  auto p = parts_of(url);
  return p ? p->scheme + "://" + p->authority : std::string();
}

std::vector<std::string> protected_resource_metadata_urls(std::string_view server_url) {
  auto p = parts_of(server_url);
  if (!p) return {};
  const std::string origin = p->scheme + "://" + p->authority;
  const std::string path = without_trailing_slash(p->path);
  std::vector<std::string> out;
  if (!path.empty()) out.push_back(origin + "/.well-known/oauth-protected-resource" + path);
  out.push_back(origin + "/.well-known/oauth-protected-resource");
  return out;
}

std::vector<std::string> authorization_server_metadata_urls(std::string_view issuer) {
  auto p = parts_of(issuer);
  if (!p) return {};
  const std::string origin = p->scheme + "://" + p->authority;
  const std::string path = without_trailing_slash(p->path);
  if (path.empty()) {
    return {origin + "/.well-known/oauth-authorization-server", origin + "/.well-known/openid-configuration"};
  }
  return {origin + "/.well-known/oauth-authorization-server" + path,
          origin + "/.well-known/openid-configuration" + path,
          origin + path + "/.well-known/openid-configuration"};
}

AuthorizationServerMetadata fallback_endpoints(std::string_view server_url) {
  const std::string origin = origin_of(server_url);
  AuthorizationServerMetadata m;
  m.issuer = origin;
  m.authorization_endpoint = origin + "/authorize";
  m.token_endpoint = origin + "/token";
  m.registration_endpoint = origin + "/register";
  m.response_types_supported = {"code"};
  m.grant_types_supported = {"authorization_code", "refresh_token"};
  m.code_challenge_methods_supported = {"S256"};
  m.token_endpoint_auth_methods_supported = {"client_secret_basic", "client_secret_post", "none"};
  m.from_fallback = true;
  return m;
}

bool same_issuer(std::string_view expected, std::string_view issuer) {
  auto a = canonical_resource_url(expected);
  auto b = canonical_resource_url(issuer);
  if (!a || !b) return false;
  return without_trailing_slash(*a) == without_trailing_slash(*b);
}

}  // namespace parley::mcp::oauth
