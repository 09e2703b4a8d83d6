// The WWW-Authenticate header of a refused MCP request (RFC 9110 §11.6.1, RFC 6750 §3, RFC 9728 §5.1): the
// challenges it carries and, from the Bearer one, error, scope and resource_metadata. Read by a scanner that
// takes any bytes (the header comes from the remote server).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::mcp::oauth {

struct AuthChallenge {
  std::string scheme;                         // lower case, e.g. "bearer"
  std::map<std::string, std::string> params;  // names lower case; quoted-string values unescaped
  std::string token68;                        // a challenge of the token68 form, rare
};

// Every challenge in a header value (several may share one field, separated by commas). Malformed parts end
// the scan; what was read before them is kept.
std::vector<AuthChallenge> parse_www_authenticate(std::string_view header);

struct BearerChallenge {
  std::string error;  // e.g. "invalid_token", "insufficient_scope"; empty when absent
  std::string error_description;
  std::optional<std::string> scope;              // space-separated
  std::optional<std::string> resource_metadata;  // URL of the protected resource metadata
};

// The Bearer challenge among `headers` (one string per WWW-Authenticate field); nullopt without one.
std::optional<BearerChallenge> find_bearer_challenge(const std::vector<std::string>& headers);

}  // namespace parley::mcp::oauth
