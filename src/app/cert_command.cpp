// `parley cert --self-signed HOST...`: an ECDSA P-256 key and a self-signed certificate for the hosts,
// written into the home's data/tls/ (or --out DIR), and how to serve and trust them.
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "app/commands.hpp"
#include "core/atomic_file.hpp"
#include "core/clock.hpp"
#include "net/tls_certificates.hpp"

namespace parley::app {

namespace fs = std::filesystem;

int cert_command(const CertCommand& command) {
  if (!command.self_signed) {
    std::cerr
        << "parley cert: only --self-signed is supported (a certificate from a CA, e.g. Let's Encrypt, is "
           "used as it is: set PARLEY_TLS_CERT_FILE and PARLEY_TLS_KEY_FILE)\n";
    return 2;
  }
  if (command.hosts.empty()) {
    std::cerr
        << "parley cert --self-signed: name at least one host (e.g. localhost 192.168.1.20 parley.lan)\n";
    return 2;
  }
  std::vector<net::SubjectAltName> names;
  for (const auto& host : command.hosts) {
    auto name = net::parse_subject_alt_name(host);
    if (!name) {
      std::cerr << "parley cert: " << name.error().message << "\n";
      return 2;
    }
    bool seen = false;
    for (const auto& n : names) seen = seen || (n.kind == name->kind && n.value == name->value);
    if (!seen) names.push_back(*name);
  }
  if (command.days < 1 || command.days > 825) {
    std::cerr << "parley cert: --days must be from 1 to 825 (Apple devices refuse longer validity)\n";
    return 2;
  }
  fs::path dir = command.out_dir;
  if (dir.empty()) {
    std::error_code ec;
    const char* home_env = std::getenv("PARLEY_HOME");
    const fs::path home = home_env && *home_env ? fs::path(home_env) : fs::current_path(ec);
    dir = home / "data" / "tls";
  }
  dir = fs::absolute(dir).lexically_normal();
  const fs::path cert_file = dir / "cert.pem";
  const fs::path key_file = dir / "key.pem";
  std::error_code ec;
  if (!command.force && (fs::exists(cert_file, ec) || fs::exists(key_file, ec))) {
    std::cerr << "parley cert: " << cert_file.string() << " or " << key_file.string()
              << " exists already; give --force to replace them (or --out DIR)\n";
    return 1;
  }
  auto pem = net::make_self_signed(names, command.days);
  if (!pem) {
    std::cerr << "parley cert: " << pem.error().message << "\n";
    return 1;
  }
  if (auto dec = create_private_directories(dir)) {
    std::cerr << "parley cert: cannot create " << dir.string() << ": " << dec.message() << "\n";
    return 1;
  }
  // The key first, private (0600 also when an older key of another mode is replaced).
  auto wec = command.force ? write_file_atomic(key_file, pem->private_key, 0600)
                           : write_new_file_atomic(key_file, pem->private_key, 0600);
  if (!wec && ::chmod(key_file.c_str(), 0600) != 0) wec = std::error_code(errno, std::generic_category());
  if (!wec)
    wec = command.force ? write_file_atomic(cert_file, pem->certificate, 0644)
                        : write_new_file_atomic(cert_file, pem->certificate, 0644);
  if (wec) {
    std::cerr << "parley cert: cannot write into " << dir.string() << ": " << wec.message() << "\n";
    return 1;
  }
  const auto info = net::certificate_info(pem->certificate);
  std::string hosts;
  for (const auto& n : names) hosts += (hosts.empty() ? "" : ", ") + n.value;
  std::cout << "Wrote a self-signed certificate (ECDSA P-256) for " << hosts;
  if (info) std::cout << ", valid until " << format_iso_utc_z(info->not_after);
  std::cout << ":\n  " << cert_file.string() << "\n  " << key_file.string()
            << " (the private key, mode 0600)\n";
  if (info) std::cout << "SHA-256 fingerprint: " << info->sha256_fingerprint << "\n";
  const auto c = cert_file.string();
  std::cout
      << "\nServe HTTPS with it (in the environment or <PARLEY_HOME>/.env), then restart parley:\n"
      << "  PARLEY_TLS_CERT_FILE=" << c << "\n"
      << "  PARLEY_TLS_KEY_FILE=" << key_file.string() << "\n"
      << "\nBrowsers allow the microphone and service workers only on a secure page: trust the certificate "
         "on\neach device that opens parley (copy cert.pem, never key.pem; check the fingerprint):\n"
      << "  Linux:   sudo cp " << c
      << " /usr/local/share/ca-certificates/parley.crt && sudo update-ca-certificates\n"
      << "           Chrome/Chromium: certutil -d sql:$HOME/.pki/nssdb -A -t \"C,,\" -n parley -i " << c
      << "\n"
      << "  macOS:   sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain "
      << c << "\n"
      << "  Android: Settings > Security > Encryption & credentials > Install a certificate > CA "
         "certificate,\n           then pick cert.pem\n"
      << "  iOS:     open cert.pem on the device (AirDrop, Files, mail), install the profile in Settings > "
         "General >\n           VPN & Device Management, then turn on full trust in Settings > General > "
         "About >\n           Certificate Trust Settings\n"
      << "  Firefox: Settings > Privacy & Security > View Certificates > Authorities > Import (trust for "
         "websites);\n           if Firefox still warns, accept the risk once for this address\n"
      << "\nAnother device or address later: run this again with all the hosts and --force, then send "
         "parley\nSIGHUP (or restart it) and trust the new certificate.\n";
  return 0;
}

}  // namespace parley::app
