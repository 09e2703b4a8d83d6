// Random identifiers and secrets (OpenSSL CSPRNG).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace parley {

std::vector<unsigned char> random_bytes(std::size_t n);
// 32 lowercase hex characters: UUIDv4 without dashes (session ids, request ids, attachment ids).
std::string new_uuid_hex();
std::string to_hex(std::string_view bytes);
bool is_hex(std::string_view s);
std::string from_hex(std::string_view hex);  // caller checks is_hex and even length
std::string base64url_encode(std::string_view bytes);
std::string base64_encode(std::string_view bytes);
// Empty optional-like: returns false on malformed input.
bool base64_decode(std::string_view in, std::string& out);

}  // namespace parley
