#include "blob/local_signing.hpp"

#include <charconv>

#include "blob/crypto.hpp"

namespace parley::blob {

std::string local_signature(std::string_view key_bytes, std::string_view object_key, std::int64_t exp) {
  std::string message = "GET\n";
  message += object_key;
  message += '\n';
  message += std::to_string(exp);
  return hmac_sha256_hex(key_bytes, message);
}

std::string local_signed_path(std::string_view key_bytes, std::string_view object_key, std::int64_t exp) {
  std::string path = "/api/files";
  std::size_t i = 0;
  for (;;) {
    const auto j = object_key.find('/', i);
    path += '/';
    path +=
        uri_encode(object_key.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i), false);
    if (j == std::string_view::npos) break;
    i = j + 1;
  }
  return path + "?exp=" + std::to_string(exp) + "&sig=" + local_signature(key_bytes, object_key, exp);
}

LocalSignatureCheck check_local_signature(std::string_view key_bytes, std::string_view object_key,
                                          std::string_view exp_text, std::string_view sig_text,
                                          SystemTime now) {
  if (exp_text.empty() || exp_text.size() > 18 || sig_text.size() != 64)
    return LocalSignatureCheck::malformed;
  std::int64_t exp = 0;
  const auto [end, ec] = std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exp);
  if (ec != std::errc() || end != exp_text.data() + exp_text.size() || exp < 0)
    return LocalSignatureCheck::malformed;
  // The decimal text must be canonical ("0012" would sign differently from what the URL says).
  if (std::to_string(exp) != exp_text) return LocalSignatureCheck::malformed;
  if (!constant_time_equals(local_signature(key_bytes, object_key, exp), sig_text))
    return LocalSignatureCheck::wrong;
  const auto now_seconds = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  if (exp < now_seconds) return LocalSignatureCheck::expired;
  return LocalSignatureCheck::valid;
}

}  // namespace parley::blob
