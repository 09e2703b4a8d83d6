#include "net/download_policy.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>

namespace parley::net {

namespace {

bool public_v4(std::uint32_t a) {
  const auto in = [a](std::uint32_t net, int bits) {
    const std::uint32_t mask = bits == 0 ? 0u : ~std::uint32_t{0} << (32 - bits);
    return (a & mask) == net;
  };
  return !(in(0x00000000, 8) || in(0x0A000000, 8) || in(0x64400000, 10) || in(0x7F000000, 8) ||
           in(0xA9FE0000, 16) || in(0xAC100000, 12) || in(0xC0000000, 24) || in(0xC0000200, 24) ||
           in(0xC0A80000, 16) || in(0xC6120000, 15) || in(0xC6336400, 24) || in(0xCB007100, 24) ||
           in(0xE0000000, 4) || in(0xF0000000, 4));
}

bool public_v6(const std::array<unsigned char, 16>& b) {
  static const std::array<unsigned char, 16> zero{};
  std::array<unsigned char, 16> loopback{};
  loopback[15] = 1;
  if (b == zero || b == loopback) return false;
  const bool v4_mapped = std::all_of(b.begin(), b.begin() + 10, [](unsigned char c) { return c == 0; }) &&
                         b[10] == 0xff && b[11] == 0xff;
  if (v4_mapped) {
    return public_v4(std::uint32_t{b[12]} << 24 | std::uint32_t{b[13]} << 16 | std::uint32_t{b[14]} << 8 |
                     std::uint32_t{b[15]});
  }
  if ((b[0] & 0xfe) == 0xfc) return false;                                         // unique local fc00::/7
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return false;                         // link-local fe80::/10
  if (b[0] == 0xff) return false;                                                  // multicast
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return false;  // documentation
  return true;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

bool is_public_address(std::string_view address) {
  const std::string text(address);
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) return public_v4(ntohl(v4.s_addr));
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    std::array<unsigned char, 16> bytes{};
    std::memcpy(bytes.data(), &v6, 16);
    return public_v6(bytes);
  }
  return false;
}

std::optional<std::string> download_refusal(const std::string& host_in,
                                            const std::vector<std::string>& allowed_hosts) {
  std::string host = lower(host_in);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) return "the URL has no host";
  const bool listed = std::any_of(allowed_hosts.begin(), allowed_hosts.end(),
                                  [&](const std::string& h) { return lower(h) == host; });
  if (!allowed_hosts.empty() && !listed)
    return "the host " + host + " is not in IMAGE_DOWNLOAD_ALLOWED_HOSTS";
  if (listed) return std::nullopt;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0 || found == nullptr) {
    return "the host " + host + " cannot be resolved";
  }
  std::optional<std::string> refusal;
  for (auto* a = found; a != nullptr && !refusal; a = a->ai_next) {
    char text[INET6_ADDRSTRLEN] = {};
    const void* where = nullptr;
    if (a->ai_family == AF_INET) where = &reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr;
    if (a->ai_family == AF_INET6) where = &reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr;
    if (where == nullptr || inet_ntop(a->ai_family, where, text, sizeof text) == nullptr) continue;
    if (!is_public_address(text)) {
      refusal = "the host " + host + " resolves to a non-public address (" + text +
                "); list it in IMAGE_DOWNLOAD_ALLOWED_HOSTS to allow it";
    }
  }
  freeaddrinfo(found);
  return refusal;
}

}  // namespace parley::net
