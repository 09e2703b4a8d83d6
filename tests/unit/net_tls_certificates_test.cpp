// HTTPS certificates: the hosts of `parley cert --self-signed` (IP address or DNS name, refusals of what is
// neither), the self-signed certificate it makes (names, expiry, loadable by the server), a key of another
// certificate refused, and the expiry warning of /health.
#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "net/tls_certificates.hpp"

namespace {

using namespace parley::net;
using Kind = SubjectAltName::Kind;
namespace fs = std::filesystem;

SubjectAltName parsed(const char* host) {
  auto r = parse_subject_alt_name(host);
  EXPECT_TRUE(r) << host << ": " << (r ? "" : r.error().message);
  return r ? *r : SubjectAltName{};
}

std::string refusal(const char* host) {
  auto r = parse_subject_alt_name(host);
  EXPECT_FALSE(r) << host << " was accepted as " << (r ? r->value : "");
  return r ? std::string() : r.error().message;
}

TEST(TlsSubjectAltName, IpAddressesAreIpEntriesInCanonicalForm) {
  EXPECT_EQ(parsed("192.168.1.20").kind, Kind::ip);
  EXPECT_EQ(parsed("192.168.1.20").value, "192.168.1.20");
  EXPECT_EQ(parsed("127.0.0.1").kind, Kind::ip);
  EXPECT_EQ(parsed("::1").kind, Kind::ip);
  EXPECT_EQ(parsed("[::1]").value, "::1");
  EXPECT_EQ(parsed("FE80:0:0:0:0:0:0:1").value, "fe80::1");
  EXPECT_EQ(parsed("2001:db8::0:1").value, "2001:db8::1");
}

TEST(TlsSubjectAltName, NamesAreDnsEntriesInLowerCase) {
  EXPECT_EQ(parsed("localhost").kind, Kind::dns);
  EXPECT_EQ(parsed("Parley.LAN").value, "parley.lan");
  EXPECT_EQ(parsed("parley.home.arpa.").value, "parley.home.arpa");  // trailing dot dropped
  EXPECT_EQ(parsed("my-box-2.local").value, "my-box-2.local");
  EXPECT_EQ(parsed("*.home.arpa").value, "*.home.arpa");
  EXPECT_EQ(parsed("1password.lan").kind, Kind::dns);  // a digit first is fine
}

TEST(TlsSubjectAltName, WhatIsNeitherIsRefusedWithAReason) {
  EXPECT_NE(refusal(""), "");
  EXPECT_NE(refusal("localhost:8000").find("without a port"), std::string::npos);
  EXPECT_NE(refusal("https://parley.lan").find("URL"), std::string::npos);
  EXPECT_NE(refusal("192.168.1").find("IP address"), std::string::npos);
  EXPECT_NE(refusal("999.1.1.1").find("IP address"), std::string::npos);
  EXPECT_NE(refusal("[parley.lan]").find("IPv6"), std::string::npos);
  refusal("[::1]:8443");
  refusal("par ley.lan");
  refusal("parley..lan");
  refusal(".parley");
  refusal("-parley.lan");
  refusal("parley-.lan");
  refusal("parley_box.lan");
  refusal("parley.lan,DNS:evil.example");  // no injection into the extension's text
  refusal("p\xc3\xa4rley.lan");            // IDNs go in as their xn-- form
  refusal("*.lan");                        // a wildcard over a whole top-level name
  refusal("a.*.lan");
  refusal(std::string(64, 'a').append(".lan").c_str());
  std::string long_name;
  for (int i = 0; i < 50; ++i) long_name += "abcde.";
  long_name += "lan";
  refusal(long_name.c_str());
  refusal(std::string(100000, 'a').c_str());
  const std::string with_nul("parley\0.lan", 11);
  EXPECT_FALSE(parse_subject_alt_name(with_nul));
}

TEST(TlsSelfSigned, CertificateNamesTheHostsAndLoadsAsTheServersPair) {
  const auto pem = make_self_signed({parsed("parley.lan"), parsed("192.168.1.20"), parsed("::1")}, 30);
  ASSERT_TRUE(pem) << pem.error().message;
  EXPECT_NE(pem->certificate.find("-----BEGIN CERTIFICATE-----"), std::string::npos);
  {  // The key parses as PEM and is ECDSA on P-256, as `parley cert` promises.
    BIO* bio = BIO_new_mem_buf(pem->private_key.data(), static_cast<int>(pem->private_key.size()));
    ASSERT_NE(bio, nullptr);
    EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    ASSERT_NE(key, nullptr) << "the private key is not PEM";
    EXPECT_EQ(EVP_PKEY_base_id(key), EVP_PKEY_EC);
    EXPECT_EQ(EVP_PKEY_get_bits(key), 256);
    EVP_PKEY_free(key);
  }
  const auto info = certificate_info(pem->certificate);
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->names, (std::vector<std::string>{"parley.lan", "192.168.1.20", "::1"}));
  EXPECT_NE(info->subject.find("CN=parley.lan"), std::string::npos) << info->subject;
  const auto now = std::chrono::system_clock::now();
  EXPECT_EQ(days_left(*info, now), 29);  // 30 days from its making: 29 full days a moment later
  EXPECT_EQ(info->sha256_fingerprint.size(), 32 * 3 - 1);

  const auto dir = fs::temp_directory_path() / ("parley-tls-unit-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "cert.pem") << pem->certificate;
  std::ofstream(dir / "key.pem") << pem->private_key;
  auto loaded = load_server_tls(dir / "cert.pem", dir / "key.pem");
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(loaded->info.sha256_fingerprint, info->sha256_fingerprint);

  // Another certificate's key: refused, and the holder keeps what it had.
  const auto other = make_self_signed({parsed("other.lan")}, 30);
  ASSERT_TRUE(other);
  std::ofstream(dir / "other.key") << other->private_key;
  auto mismatched = load_server_tls(dir / "cert.pem", dir / "other.key");
  ASSERT_FALSE(mismatched);
  EXPECT_NE(mismatched.error().message.find("does not belong"), std::string::npos)
      << mismatched.error().message;
  TlsCertificates holder(dir / "cert.pem", dir / "key.pem", std::move(*loaded));
  std::ofstream(dir / "cert.pem", std::ios::trunc) << "not a certificate\n";
  auto reloaded = holder.reload();
  ASSERT_FALSE(reloaded);
  EXPECT_EQ(holder.info().sha256_fingerprint, info->sha256_fingerprint);
  EXPECT_NE(holder.context(), nullptr);

  auto missing = load_server_tls(dir / "absent.pem", dir / "key.pem");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("absent.pem"), std::string::npos);
  fs::remove_all(dir);
}

TEST(TlsSelfSigned, NoHostsNoCertificate) {
  EXPECT_FALSE(make_self_signed({}, 30));
}

TEST(TlsExpiry, WarnsUnderFourteenDaysAndWhenExpired) {
  const auto now = std::chrono::system_clock::now();
  CertificateInfo info;
  info.not_after = now + std::chrono::hours(24 * 30);
  EXPECT_EQ(expiry_warning(info, now), "");
  EXPECT_EQ(days_left(info, now), 30);
  info.not_after = now + std::chrono::hours(24 * 13 + 1);
  EXPECT_NE(expiry_warning(info, now).find("expires in 13 days"), std::string::npos);
  info.not_after = now - std::chrono::hours(1);
  EXPECT_NE(expiry_warning(info, now).find("has expired"), std::string::npos);
  EXPECT_EQ(days_left(info, now), -1);
}

}  // namespace
