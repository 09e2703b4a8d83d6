// The OAuth `state` of api.md §2.20: the user email, an expiry and an HMAC-SHA256 with parley's signing key,
// so the callback (an open route) accepts only authorizations this server started, and only for a while.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"

namespace parley::google {

// "<base64url(email)>.<expiry unix seconds>.<hex hmac>"
std::string sign_state(std::string_view user_email, SystemTime expires, std::string_view signing_key);
// The email when the state is well formed, correctly signed and not expired.
std::optional<std::string> verify_state(std::string_view state, SystemTime now, std::string_view signing_key);

}  // namespace parley::google
