// Password hashing for `parley passwd` (api.md §4.5): pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace parley::auth {

constexpr int kPbkdf2Iterations = 600000;

std::string hash_password(std::string_view password, int iterations = kPbkdf2Iterations);
// Constant-time comparison of the derived key; false for malformed hashes.
bool verify_password(std::string_view password, std::string_view encoded);
bool constant_time_equals(std::string_view a, std::string_view b);
std::string sha256_hex(std::string_view data);

// data/auth.json: {"password_hash": "..."} with mode 0600.
std::optional<std::string> load_password_hash(const std::filesystem::path& auth_file, std::string* error);
std::error_code save_password_hash(const std::filesystem::path& auth_file, const std::string& encoded);

}  // namespace parley::auth
