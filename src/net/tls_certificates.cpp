#include "net/tls_certificates.hpp"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <system_error>

#include <fmt/format.h>

#include "core/text.hpp"

namespace parley::net {

namespace {

namespace fs = std::filesystem;

template <class T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION, X509_EXTENSION_free>>;

// OpenSSL's last error as text (the queue is cleared).
std::string openssl_error(std::string_view fallback) {
  std::string out;
  while (const auto code = ERR_get_error()) {
    const char* reason = ERR_reason_error_string(code);
    if (!out.empty()) out += "; ";
    out += reason ? reason : "error " + std::to_string(ERR_GET_REASON(code));
  }
  return out.empty() ? std::string(fallback) : out;
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

// The file exists and is readable, or a message that says why not (OpenSSL's own says only "system lib").
std::string unreadable(const fs::path& file, const char* what) {
  std::ifstream in(file, std::ios::binary);
  if (in) return {};
  return fmt::format("cannot read the TLS {} {}: {}", what, file.string(), std::strerror(errno));
}

CertificateInfo info_of(X509* cert) {
  CertificateInfo info;
  if (BioPtr bio(BIO_new(BIO_s_mem())); bio) {
    X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
    info.subject = bio_text(bio.get());
  }
  if (auto* names =
          static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr))) {
    for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
      const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
      if (name->type == GEN_DNS) {
        const auto* s = name->d.dNSName;
        info.names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                static_cast<std::size_t>(ASN1_STRING_length(s)));
      } else if (name->type == GEN_IPADD) {
        const auto* s = name->d.iPAddress;
        std::array<char, INET6_ADDRSTRLEN> text{};
        const int len = ASN1_STRING_length(s);
        const int family = len == 4 ? AF_INET : len == 16 ? AF_INET6 : 0;
        if (family && inet_ntop(family, ASN1_STRING_get0_data(s), text.data(), text.size()))
          info.names.emplace_back(text.data());
      }
    }
    GENERAL_NAMES_free(names);
  }
  std::tm tm{};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) == 1)
    info.not_after = std::chrono::system_clock::from_time_t(timegm(&tm));
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int md_len = 0;
  if (X509_digest(cert, EVP_sha256(), md.data(), &md_len) == 1) {
    for (unsigned int i = 0; i < md_len; ++i) {
      if (i) info.sha256_fingerprint += ':';
      info.sha256_fingerprint += fmt::format("{:02X}", md[i]);
    }
  }
  return info;
}

int select_http11(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                  unsigned int inlen, void*) {
  static const unsigned char ours[] = "\x08http/1.1";
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, outlen, ours, sizeof ours - 1, in, inlen) != OPENSSL_NPN_NEGOTIATED)
    return SSL_TLSEXT_ERR_NOACK;  // the client offers no http/1.1 (e.g. h2 alone): no ALPN, HTTP/1.1 anyway
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

// A key file with a passphrase fails to load instead of prompting on the terminal.
int no_passphrase(char*, int, int, void*) {
  return 0;
}

}  // namespace

long long days_left(const CertificateInfo& info, std::chrono::system_clock::time_point now) {
  const auto left = std::chrono::duration_cast<std::chrono::seconds>(info.not_after - now).count();
  constexpr long long kDay = 86400;
  return left >= 0 ? left / kDay : -((-left + kDay - 1) / kDay);
}

std::string expiry_warning(const CertificateInfo& info, std::chrono::system_clock::time_point now) {
  const auto days = days_left(info, now);
  if (info.not_after <= now)
    return "The TLS certificate (PARLEY_TLS_CERT_FILE) has expired: browsers refuse the connection; renew it "
           "and send parley SIGHUP";
  if (days < 14)
    return fmt::format(
        "The TLS certificate (PARLEY_TLS_CERT_FILE) expires in {} day{}: renew it and send parley SIGHUP",
        days, days == 1 ? "" : "s");
  return {};
}

Result<LoadedTls, TlsError> load_server_tls(const fs::path& cert_file, const fs::path& key_file) {
  if (auto why = unreadable(cert_file, "certificate file"); !why.empty()) return TlsError{why};
  if (auto why = unreadable(key_file, "key file"); !why.empty()) return TlsError{why};
  ERR_clear_error();
  auto context = std::make_shared<boost::asio::ssl::context>(boost::asio::ssl::context::tls_server);
  SSL_CTX* ctx = context->native_handle();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  // TLS 1.2: forward secrecy and authenticated encryption only (TLS 1.3's suites are all of that kind).
  if (SSL_CTX_set_cipher_list(ctx,
                              "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                              "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                              "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305") != 1 ||
      SSL_CTX_set1_groups_list(ctx, "X25519:P-256:P-384") != 1) {
    return TlsError{"cannot configure TLS: " + openssl_error("cipher setup failed")};
  }
  SSL_CTX_set_alpn_select_cb(ctx, select_http11, nullptr);
  SSL_CTX_set_default_passwd_cb(ctx, no_passphrase);
  if (SSL_CTX_use_certificate_chain_file(ctx, cert_file.c_str()) != 1)
    return TlsError{"cannot load the TLS certificate " + cert_file.string() +
                    " (PEM expected): " + openssl_error("no certificate")};
  const auto mismatch = [&](const std::string& why) {
    return TlsError{"the TLS key " + key_file.string() + " does not belong to the certificate " +
                    cert_file.string() + " (" + why + ")"};
  };
  if (SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    // OpenSSL compares the key with the certificate as it loads it.
    const auto why = openssl_error("no key");
    if (why.find("key values mismatch") != std::string::npos) return mismatch(why);
    return TlsError{"cannot load the TLS key " + key_file.string() +
                    " (an unencrypted PEM key expected): " + why};
  }
  if (SSL_CTX_check_private_key(ctx) != 1) return mismatch(openssl_error("key mismatch"));
  X509* leaf = SSL_CTX_get0_certificate(ctx);
  if (!leaf) return TlsError{"no certificate in " + cert_file.string()};
  return LoadedTls{std::move(context), info_of(leaf)};
}

std::shared_ptr<boost::asio::ssl::context> TlsCertificates::context() const {
  std::lock_guard lock(mutex_);
  return current_.context;
}

CertificateInfo TlsCertificates::info() const {
  std::lock_guard lock(mutex_);
  return current_.info;
}

Result<CertificateInfo, TlsError> TlsCertificates::reload() {
  auto loaded = load_server_tls(cert_file_, key_file_);
  if (!loaded) return loaded.error();
  auto info = loaded->info;
  std::lock_guard lock(mutex_);
  current_ = std::move(*loaded);
  return info;
}

Result<SubjectAltName, TlsError> parse_subject_alt_name(std::string_view host) {
  if (host.empty()) return TlsError{"an empty host name"};
  if (host.size() > 256) return TlsError{"a host name longer than 253 characters"};
  std::string h(host);
  const bool bracketed = h.size() >= 2 && h.front() == '[' && h.back() == ']';
  if (bracketed) h = h.substr(1, h.size() - 2);
  if (h.find('\0') != std::string::npos) return TlsError{"a host name with a NUL character"};
  std::array<unsigned char, 16> address{};
  std::array<char, INET6_ADDRSTRLEN> text{};
  for (const int family : {AF_INET, AF_INET6}) {
    if (inet_pton(family, h.c_str(), address.data()) == 1 &&
        inet_ntop(family, address.data(), text.data(), text.size())) {
      return SubjectAltName{SubjectAltName::Kind::ip, text.data()};
    }
  }
  const std::string shown(host);
  if (bracketed) return TlsError{"'" + shown + "' is not an IPv6 address"};
  if (h.find("://") != std::string::npos)
    return TlsError{"'" + shown + "' is a URL: give the host name or address alone"};
  if (h.find(':') != std::string::npos)
    return TlsError{"'" + shown +
                    "' is neither a host name nor an IP address (give the host without a port)"};
  h = text::lower(h);
  if (h.back() == '.') h.pop_back();
  if (h.empty() || h.size() > 253) return TlsError{"'" + shown + "' is not a valid host name"};
  std::size_t start = 0;
  std::size_t labels = 0;
  std::string last;
  while (start <= h.size()) {
    const auto dot = std::min(h.find('.', start), h.size());
    const std::string label = h.substr(start, dot - start);
    const bool wildcard = labels == 0 && label == "*";
    if (label.empty() || label.size() > 63)
      return TlsError{"'" + shown + "' is not a valid host name (a label is empty or longer than 63)"};
    if (!wildcard) {
      for (const char c : label) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
          return TlsError{"'" + shown + "' is not a valid host name (letters, digits, '-' and '.' only)"};
      }
      if (label.front() == '-' || label.back() == '-')
        return TlsError{"'" + shown + "' is not a valid host name (a label starts or ends with '-')"};
    }
    last = label;
    ++labels;
    start = dot + 1;
  }
  if (h.starts_with("*.") && labels < 3)
    return TlsError{"'" + shown + "': a wildcard needs at least two labels after it (*.home.arpa)"};
  if (last.find_first_not_of("0123456789") == std::string::npos)
    return TlsError{"'" + shown + "' looks like an IP address but is not a valid one"};
  return SubjectAltName{SubjectAltName::Kind::dns, h};
}

Result<SelfSignedPem, TlsError> make_self_signed(const std::vector<SubjectAltName>& names, int days) {
  if (names.empty()) return TlsError{"no host names for the certificate"};
  ERR_clear_error();
  PkeyPtr key(EVP_EC_gen("P-256"));
  X509Ptr cert(X509_new());
  BnPtr serial(BN_new());
  if (!key || !cert || !serial) return TlsError{"cannot make a key: " + openssl_error("out of memory")};
  std::array<unsigned char, 16> serial_bytes{};
  if (RAND_bytes(serial_bytes.data(), static_cast<int>(serial_bytes.size())) != 1)
    return TlsError{"no random bytes: " + openssl_error("RAND_bytes failed")};
  serial_bytes[0] &= 0x7f;  // positive
  serial_bytes[0] |= 0x40;  // and of full length
  std::string common_name = names.front().value.substr(0, 64);
  X509_NAME* subject = X509_get_subject_name(cert.get());
  bool ok = X509_set_version(cert.get(), 2) == 1 &&
            BN_bin2bn(serial_bytes.data(), static_cast<int>(serial_bytes.size()), serial.get()) &&
            BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) &&
            X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) &&
            X509_time_adj_ex(X509_getm_notAfter(cert.get()), days, 0, nullptr) &&
            X509_NAME_add_entry_by_txt(subject, "O", MBSTRING_UTF8,
                                       reinterpret_cast<const unsigned char*>("parley (self-signed)"), -1, -1,
                                       0) == 1 &&
            X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                                       reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                                       0) == 1 &&
            X509_set_issuer_name(cert.get(), subject) == 1 && X509_set_pubkey(cert.get(), key.get()) == 1;
  if (!ok) return TlsError{"cannot make the certificate: " + openssl_error("X509 setup failed")};
  std::string alt_names;
  for (const auto& n : names) {
    if (!alt_names.empty()) alt_names += ',';
    alt_names += (n.kind == SubjectAltName::Kind::ip ? "IP:" : "DNS:") + n.value;
  }
  X509V3_CTX v3{};
  X509V3_set_ctx(&v3, cert.get(), cert.get(), nullptr, nullptr, 0);
  const std::pair<int, std::string> extensions[] = {
      {NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
      {NID_key_usage, "critical,digitalSignature,keyCertSign"},
      {NID_ext_key_usage, "serverAuth"},
      {NID_subject_key_identifier, "hash"},
      {NID_authority_key_identifier, "keyid:always"},
      {NID_subject_alt_name, alt_names},
  };
  for (const auto& [nid, value] : extensions) {
    ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &v3, nid, value.c_str()));
    if (!ext || X509_add_ext(cert.get(), ext.get(), -1) != 1)
      return TlsError{"cannot add the extension " + value + ": " + openssl_error("X509V3 failed")};
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0)
    return TlsError{"cannot sign the certificate: " + openssl_error("signing failed")};
  BioPtr cert_bio(BIO_new(BIO_s_mem()));
  BioPtr key_bio(BIO_new(BIO_s_mem()));
  if (!cert_bio || !key_bio || PEM_write_bio_X509(cert_bio.get(), cert.get()) != 1 ||
      PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return TlsError{"cannot write PEM: " + openssl_error("PEM write failed")};
  return SelfSignedPem{bio_text(cert_bio.get()), bio_text(key_bio.get())};
}

Result<CertificateInfo, TlsError> certificate_info(std::string_view pem) {
  ERR_clear_error();
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  X509Ptr cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, no_passphrase, nullptr) : nullptr);
  if (!cert) return TlsError{"not a PEM certificate: " + openssl_error("no certificate")};
  return info_of(cert.get());
}

}  // namespace parley::net
