#include "mcp/oauth/token_response.hpp"

#include <algorithm>
#include <charconv>

#include "core/json.hpp"

namespace parley::mcp::oauth {

namespace bj = boost::json;

namespace {

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

// Error texts come from a remote server: keep them short and on one line.
std::string clipped(std::string text) {
  for (auto& c : text) {
    if (c == '\r' || c == '\n' || c == '\t') c = ' ';
  }
  if (text.size() > 300) text = text.substr(0, 300) + "...";
  return text;
}

}  // namespace

Result<TokenSet, Failure> parse_token_response(int status, std::string_view body, bool require_bearer) {
  const auto parsed = json::parse(body);
  const bj::object* o = parsed && parsed->is_object() ? &parsed->get_object() : nullptr;
  if (status < 200 || status >= 300) {
    std::string error = o != nullptr ? json::string_member(*o, "error") : std::string();
    std::string description = o != nullptr ? json::string_member(*o, "error_description") : std::string();
    if (error.empty()) return fail("the token endpoint answered HTTP " + std::to_string(status));
    return fail(clipped(error) + (description.empty() ? "" : ": " + clipped(description)) + " (HTTP " +
                std::to_string(status) + ")");
  }
  if (o == nullptr) return fail("the token endpoint's answer is not a JSON object");
  TokenSet t;
  t.access_token = json::string_member(*o, "access_token");
  t.token_type = json::string_member(*o, "token_type");
  t.issued_token_type = json::string_member(*o, "issued_token_type");
  if (t.access_token.empty()) return fail("the token endpoint's answer has no access_token");
  if (require_bearer && !iequal(t.token_type, "bearer")) {
    return fail("the token endpoint issued a token of type '" + clipped(t.token_type) +
                "'; parley sends Bearer tokens only");
  }
  if (const auto* refresh = o->if_contains("refresh_token");
      refresh != nullptr && refresh->is_string() && !refresh->get_string().empty()) {
    t.refresh_token = std::string(refresh->get_string());
  }
  if (const auto* expires = o->if_contains("expires_in")) {
    // Some servers send the number as a string; a year is plenty for anything larger.
    constexpr double kMax = 365.0 * 24 * 3600;
    double seconds = 0;
    if (expires->is_number()) seconds = expires->to_number<double>();
    if (expires->is_string()) {
      const std::string_view s = expires->get_string();
      long n = 0;
      const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
      if (ec == std::errc() && end == s.data() + s.size()) seconds = static_cast<double>(n);
    }
    if (seconds > 0) t.expires_in = std::chrono::seconds(static_cast<long>(std::min(seconds, kMax)));
  }
  if (const auto* scope = o->if_contains("scope"); scope != nullptr && scope->is_string()) {
    t.scope = std::string(scope->get_string());
  }
  return t;
}

}  // namespace parley::mcp::oauth
