// The cryptographic primitives of URL signing (OpenSSL): SHA-256, HMAC-SHA256, RSA-SHA256 signatures with a
// PEM private key, and constant-time comparison.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace parley::blob {

// Raw 32-byte digest / MAC.
std::string sha256(std::string_view data);
std::string sha256_hex(std::string_view data);
std::string hmac_sha256(std::string_view key, std::string_view data);
std::string hmac_sha256_hex(std::string_view key, std::string_view data);
std::string lower_hex(std::string_view bytes);
// Equal length and equal bytes, in time independent of where they differ.
bool constant_time_equals(std::string_view a, std::string_view b);

// An RSA private key (service-account keys are PKCS#8 PEM).
class RsaPrivateKey {
 public:
  // nullopt when the PEM text is not an RSA private key.
  static std::optional<RsaPrivateKey> from_pem(std::string_view pem);
  // RSASSA-PKCS1-v1_5 with SHA-256; the raw signature bytes (empty on failure).
  [[nodiscard]] std::string sign_sha256(std::string_view data) const;

 private:
  struct Key;
  explicit RsaPrivateKey(std::shared_ptr<Key> key) : key_(std::move(key)) {}
  std::shared_ptr<Key> key_;
};

}  // namespace parley::blob
