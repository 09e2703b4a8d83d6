#include "google/oauth_state.hpp"

#include <charconv>

#include "blob/crypto.hpp"
#include "core/ids.hpp"
#include "google/encoding.hpp"

namespace parley::google {

namespace {

std::string mac(std::string_view email_part, std::string_view expiry_part, std::string_view key) {
  std::string data = "parley-google-oauth-state\n";
  data.append(email_part).append("\n").append(expiry_part);
  return blob::hmac_sha256_hex(key, data);
}

}  // namespace

std::string sign_state(std::string_view user_email, SystemTime expires, std::string_view signing_key) {
  const auto email_part = base64url_encode(user_email);
  const auto expiry_part =
      std::to_string(std::chrono::duration_cast<std::chrono::seconds>(expires.time_since_epoch()).count());
  return email_part + "." + expiry_part + "." + mac(email_part, expiry_part, signing_key);
}

std::optional<std::string> verify_state(std::string_view state, SystemTime now,
                                        std::string_view signing_key) {
  if (signing_key.empty()) return std::nullopt;
  const auto first = state.find('.');
  if (first == std::string_view::npos) return std::nullopt;
  const auto second = state.find('.', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  const auto email_part = state.substr(0, first);
  const auto expiry_part = state.substr(first + 1, second - first - 1);
  const auto signature = state.substr(second + 1);
  if (!blob::constant_time_equals(signature, mac(email_part, expiry_part, signing_key))) return std::nullopt;
  std::int64_t expiry = 0;
  const auto* end = expiry_part.data() + expiry_part.size();
  if (auto [p, ec] = std::from_chars(expiry_part.data(), end, expiry); ec != std::errc() || p != end)
    return std::nullopt;
  if (std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count() > expiry)
    return std::nullopt;
  std::string email;
  if (!base64url_decode(email_part, email) || email.empty()) return std::nullopt;
  return email;
}

}  // namespace parley::google
