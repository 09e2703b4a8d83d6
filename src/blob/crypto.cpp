#include "blob/crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

namespace parley::blob {

namespace {

const unsigned char* bytes_of(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

std::string sha256(std::string_view data) {
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  SHA256(bytes_of(data), data.size(), reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

std::string lower_hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    out += digits[b >> 4];
    out += digits[b & 0x0F];
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  return lower_hex(sha256(data));
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), bytes_of(data), data.size(), out, &len);
  return {reinterpret_cast<const char*>(out), len};
}

std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
  return lower_hex(hmac_sha256(key, data));
}

bool constant_time_equals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

struct RsaPrivateKey::Key {
  EVP_PKEY* pkey = nullptr;
  ~Key() { EVP_PKEY_free(pkey); }
};

std::optional<RsaPrivateKey> RsaPrivateKey::from_pem(std::string_view pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (!bio) return std::nullopt;
  EVP_PKEY* pkey = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (!pkey) return std::nullopt;
  auto key = std::make_shared<Key>();
  key->pkey = pkey;
  if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA) return std::nullopt;
  return RsaPrivateKey(std::move(key));
}

std::string RsaPrivateKey::sign_sha256(std::string_view data) const {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (!ctx) return {};
  std::string out;
  size_t len = 0;
  if (EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key_->pkey) == 1 &&
      EVP_DigestSign(ctx, nullptr, &len, bytes_of(data), data.size()) == 1) {
    out.resize(len);
    if (EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(out.data()), &len, bytes_of(data),
                       data.size()) == 1) {
      out.resize(len);
    } else {
      out.clear();
    }
  }
  EVP_MD_CTX_free(ctx);
  return out;
}

}  // namespace parley::blob
