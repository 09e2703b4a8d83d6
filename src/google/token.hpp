// A user's Google OAuth token as data/tokens/<user>.json holds it (api.md §4.5), in the format the system
// parley replaces wrote (google-auth's Credentials.to_json), plus the scope rules of §2.20.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"

namespace parley::google {

struct StoredToken {
  std::string token;  // the access token ("" when only a refresh token is known)
  std::string refresh_token;
  std::string token_uri;
  std::string client_id;
  std::string client_secret;
  std::vector<std::string> scopes;
  std::string universe_domain = "googleapis.com";
  std::string account;
  std::optional<SystemTime> expiry;  // of the access token
};

// The eight scopes every token must carry (§2.20), in the order they are requested.
const std::vector<std::string>& required_scopes();
// The required scopes `token` lacks (empty: it has them all).
std::vector<std::string> missing_scopes(const StoredToken& token);

// Accepts `scopes` as an array or `scope` as a space-separated string, a missing universe_domain/account
// and expiry with or without fraction and zone (no zone = UTC). `error` names the field.
std::optional<StoredToken> parse_token(std::string_view text, std::string& error);
// The §4.5 form; expiry as "YYYY-MM-DDTHH:MM:SS.ffffffZ" (google-auth's form) or absent.
std::string serialize_token(const StoredToken& token);

// Why `user_email` cannot name a token (empty, no '@', a path separator or a control character), or "".
std::string user_email_problem(std::string_view user_email);
// "<email with '@' as '_at_' and every '.' as '_'>" — the file name without ".json".
std::string token_file_stem(std::string_view user_email);

// Whether the access token is missing or expires within `margin` of `now`.
bool needs_refresh(const StoredToken& token, SystemTime now, std::chrono::seconds margin);

}  // namespace parley::google
