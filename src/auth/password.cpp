#include "auth/password.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <boost/json.hpp>
#include <charconv>

#include "core/atomic_file.hpp"
#include "core/ids.hpp"
#include "core/json.hpp"

namespace parley::auth {

namespace {

std::string derive(std::string_view password, std::string_view salt, int iterations, std::size_t len) {
  std::string out(len, '\0');
  PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                    reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()),
                    iterations, EVP_sha256(), static_cast<int>(len),
                    reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

}  // namespace

bool constant_time_equals(std::string_view a, std::string_view b) {
  // Compare digests so neither the content nor the length leaks through timing.
  unsigned char da[SHA256_DIGEST_LENGTH], db[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(a.data()), a.size(), da);
  SHA256(reinterpret_cast<const unsigned char*>(b.data()), b.size(), db);
  return CRYPTO_memcmp(da, db, sizeof da) == 0 && a.size() == b.size();
}

std::string sha256_hex(std::string_view data) {
  unsigned char d[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), d);
  return to_hex(std::string_view(reinterpret_cast<const char*>(d), sizeof d));
}

std::string hash_password(std::string_view password, int iterations) {
  const auto salt_bytes = random_bytes(16);
  const std::string salt(salt_bytes.begin(), salt_bytes.end());
  const auto key = derive(password, salt, iterations, 32);
  return "pbkdf2-sha256$" + std::to_string(iterations) + "$" + base64_encode(salt) + "$" + base64_encode(key);
}

bool verify_password(std::string_view password, std::string_view encoded) {
  // pbkdf2-sha256$<iterations>$<salt>$<hash>
  const auto p1 = encoded.find('$');
  if (p1 == std::string_view::npos || encoded.substr(0, p1) != "pbkdf2-sha256") return false;
  const auto p2 = encoded.find('$', p1 + 1);
  if (p2 == std::string_view::npos) return false;
  const auto p3 = encoded.find('$', p2 + 1);
  if (p3 == std::string_view::npos) return false;
  int iterations = 0;
  const auto it = encoded.substr(p1 + 1, p2 - p1 - 1);
  if (std::from_chars(it.data(), it.data() + it.size(), iterations).ec != std::errc() || iterations < 1 ||
      iterations > 100000000) {
    return false;
  }
  std::string salt, expected;
  if (!base64_decode(encoded.substr(p2 + 1, p3 - p2 - 1), salt) ||
      !base64_decode(encoded.substr(p3 + 1), expected) || expected.empty()) {
    return false;
  }
  const auto actual = derive(password, salt, iterations, expected.size());
  return CRYPTO_memcmp(actual.data(), expected.data(), expected.size()) == 0;
}

std::optional<std::string> load_password_hash(const std::filesystem::path& auth_file, std::string* error) {
  std::error_code ec;
  auto text = read_file(auth_file, ec);
  if (!text) return std::nullopt;
  std::string why;
  auto doc = json::parse(*text, &why);
  if (!doc || !doc->is_object() || !doc->as_object().contains("password_hash") ||
      !doc->as_object().at("password_hash").is_string()) {
    if (error)
      *error = auth_file.string() + " is not valid: expected {\"password_hash\": \"pbkdf2-sha256$...\"}";
    return std::nullopt;
  }
  return std::string(doc->as_object().at("password_hash").as_string());
}

std::error_code save_password_hash(const std::filesystem::path& auth_file, const std::string& encoded) {
  boost::json::object doc{{"password_hash", encoded}};
  return write_file_atomic(auth_file, json::pretty_sorted(doc), 0600);
}

}  // namespace parley::auth
