// Signed URLs of the local store, served by parley itself at /api/files/{key} (api.md §5.3, §8.5):
// sig = hex HMAC-SHA256(signing key, "GET\n<object key>\n<exp>").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "blob/canonical_text.hpp"

namespace parley::blob {

// `key_bytes` is the raw signing key (the decoded hex of PARLEY_SIGNING_KEY / data/signing.key).
std::string local_signature(std::string_view key_bytes, std::string_view object_key, std::int64_t exp);
// "/api/files/<each segment percent-encoded>?exp=<exp>&sig=<sig>".
std::string local_signed_path(std::string_view key_bytes, std::string_view object_key, std::int64_t exp);

enum class LocalSignatureCheck { valid, malformed, wrong, expired };
// Checks the signature first (in constant time), then the expiry against `now`.
LocalSignatureCheck check_local_signature(std::string_view key_bytes, std::string_view object_key,
                                          std::string_view exp_text, std::string_view sig_text,
                                          SystemTime now);

}  // namespace parley::blob
