// application/x-www-form-urlencoded bodies and query strings for OAuth requests (token, registration,
// authorization URLs), the query of the authorization response, and HTTP Basic client authentication with
// its form-encoded id and secret (RFC 6749 §2.3.1).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace parley::mcp::oauth {

using FormFields = std::vector<std::pair<std::string, std::string>>;

// Unreserved characters stay, everything else is %XX (a space too: every decoder accepts it).
std::string percent_encode(std::string_view text);
std::string form_encode(const FormFields& fields);
// `url` with `fields` appended to its query (after '?' or '&'); a fragment is dropped (an OAuth endpoint
// must not have one, RFC 6749 §3.1).
std::string with_query(std::string_view url, const FormFields& fields);
// Decodes a query string ('+' is a space, %XX); malformed escapes are kept as they are.
FormFields parse_query(std::string_view query);
// The value of `name` in `fields`, or "" when absent.
std::string field(const FormFields& fields, std::string_view name);
// "Basic " + base64(form(id) ":" form(secret)).
std::string basic_authorization(std::string_view client_id, std::string_view client_secret);

}  // namespace parley::mcp::oauth
