// HTTPS without a proxy: the server's TLS context built from a certificate (chain) and key file in PEM, what
// the certificate says (expiry, names, fingerprint) for /health and the log, and the current context that new
// connections take, replaced on reload (SIGHUP) only when the new pair loads. Also the self-signed
// certificate of `parley cert --self-signed`.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace parley::net {

struct TlsError {
  std::string message;
};

// What a loaded certificate says (the leaf, the first in the chain file).
struct CertificateInfo {
  std::string subject;                              // e.g. "CN=parley"
  std::vector<std::string> names;                   // subjectAltName DNS names and IP addresses
  std::chrono::system_clock::time_point not_after;  // expiry
  std::string sha256_fingerprint;                   // hex, colon-separated (as `openssl x509 -fingerprint`)
};

// Days from `now` to the expiry, rounded down (negative once expired).
long long days_left(const CertificateInfo& info, std::chrono::system_clock::time_point now);
// A warning for /health and the log when the certificate expires in less than 14 days or has expired; empty
// otherwise.
std::string expiry_warning(const CertificateInfo& info, std::chrono::system_clock::time_point now);

struct LoadedTls {
  std::shared_ptr<boost::asio::ssl::context> context;
  CertificateInfo info;
};

// A server context: TLS 1.2 and 1.3 only, ECDHE with AEAD ciphers for 1.2, no renegotiation or compression,
// ALPN http/1.1. Reads both files (blocking: at start-up or on the blocking pool); the key must match the
// certificate.
Result<LoadedTls, TlsError> load_server_tls(const std::filesystem::path& cert_file,
                                            const std::filesystem::path& key_file);

// The context new connections use, thread-safe. A connection keeps the context it started with.
class TlsCertificates {
 public:
  TlsCertificates(std::filesystem::path cert_file, std::filesystem::path key_file, LoadedTls first)
      : cert_file_(std::move(cert_file)), key_file_(std::move(key_file)), current_(std::move(first)) {}

  [[nodiscard]] std::shared_ptr<boost::asio::ssl::context> context() const;
  [[nodiscard]] CertificateInfo info() const;
  // Reads the files again (blocking). On success new connections use the new pair; on failure the current one
  // stays and the error says why.
  Result<CertificateInfo, TlsError> reload();
  [[nodiscard]] const std::filesystem::path& cert_file() const { return cert_file_; }
  [[nodiscard]] const std::filesystem::path& key_file() const { return key_file_; }

 private:
  const std::filesystem::path cert_file_;
  const std::filesystem::path key_file_;
  mutable std::mutex mutex_;
  LoadedTls current_;
};

// One subjectAltName entry of a self-signed certificate.
struct SubjectAltName {
  enum class Kind { dns, ip };
  Kind kind = Kind::dns;
  std::string value;  // a lower-case DNS name (may start with "*."), or the IP address in its canonical text
};

// A host as given on the command line: an IPv4 or IPv6 address (brackets allowed) or a DNS name (letters,
// digits and hyphens per label, "*." allowed as the first label, a trailing dot dropped). No scheme, port,
// path or blanks.
Result<SubjectAltName, TlsError> parse_subject_alt_name(std::string_view host);

struct SelfSignedPem {
  std::string certificate;
  std::string private_key;  // PKCS#8
};

// An ECDSA P-256 key and a self-signed certificate for `names` (the first is also the common name), valid
// from an hour ago for `days`, usable as the server's certificate and importable as a trust anchor (CA:TRUE,
// pathlen 0, serverAuth).
Result<SelfSignedPem, TlsError> make_self_signed(const std::vector<SubjectAltName>& names, int days);

// What a PEM certificate says (the first certificate in `pem`).
Result<CertificateInfo, TlsError> certificate_info(std::string_view pem);

}  // namespace parley::net
