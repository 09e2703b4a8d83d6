#include "mcp/oauth/jwt_assertion.hpp"

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>

#include "core/ids.hpp"
#include "core/json.hpp"

namespace parley::mcp::oauth {

namespace bj = boost::json;

namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct MdFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct SigFree {
  void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};

// JWS wants ES256 signatures as r || s, 32 bytes each; OpenSSL produces DER.
std::optional<std::string> der_to_raw_p256(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<ECDSA_SIG, SigFree> sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) return std::nullopt;
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  std::string raw(64, '\0');
  if (BN_bn2binpad(r, reinterpret_cast<unsigned char*>(raw.data()), 32) != 32 ||
      BN_bn2binpad(s, reinterpret_cast<unsigned char*>(raw.data() + 32), 32) != 32) {
    return std::nullopt;
  }
  return raw;
}

}  // namespace

Result<std::string, Failure> sign_jwt(std::string_view private_key_pem, std::string_view algorithm,
                                      const bj::object& claims) {
  const bool ec = algorithm == "ES256";
  if (!ec && algorithm != "RS256") {
    return fail("unsupported JWT signing algorithm '" + std::string(algorithm) + "' (use ES256 or RS256)");
  }
  std::unique_ptr<BIO, BioFree> bio(
      BIO_new_mem_buf(private_key_pem.data(), static_cast<int>(private_key_pem.size())));
  std::unique_ptr<EVP_PKEY, KeyFree> key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)
                                             : nullptr);
  if (!key) return fail("the private key is not a PEM private key");
  const int type = EVP_PKEY_get_base_id(key.get());
  if (ec && (type != EVP_PKEY_EC || EVP_PKEY_get_bits(key.get()) != 256)) {
    return fail("ES256 needs a P-256 EC private key");
  }
  if (!ec && type != EVP_PKEY_RSA) return fail("RS256 needs an RSA private key");

  const bj::object header{{"alg", algorithm}, {"typ", "JWT"}};
  const std::string signing_input =
      base64url_encode(json::serialize(header)) + "." + base64url_encode(json::serialize(claims));
  std::unique_ptr<EVP_MD_CTX, MdFree> ctx(EVP_MD_CTX_new());
  std::size_t length = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &length,
                     reinterpret_cast<const unsigned char*>(signing_input.data()),
                     signing_input.size()) != 1) {
    return fail("cannot sign the JWT with this key");
  }
  std::string signature(length, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     reinterpret_cast<const unsigned char*>(signing_input.data()),
                     signing_input.size()) != 1) {
    return fail("cannot sign the JWT with this key");
  }
  signature.resize(length);
  if (ec) {
    auto raw = der_to_raw_p256(signature);
    if (!raw) return fail("cannot encode the ES256 signature");
    signature = std::move(*raw);
  }
  return signing_input + "." + base64url_encode(signature);
}

Result<std::string, Failure> client_assertion(std::string_view private_key_pem, std::string_view algorithm,
                                              std::string_view client_id, std::string_view audience,
                                              std::chrono::system_clock::time_point now) {
  const auto issued = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  const bj::object claims{
      {"iss", client_id}, {"sub", client_id},    {"aud", audience},
      {"iat", issued},    {"exp", issued + 300}, {"jti", new_uuid_hex()},
  };
  return sign_jwt(private_key_pem, algorithm, claims);
}

}  // namespace parley::mcp::oauth
