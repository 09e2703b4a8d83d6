#include "net/address_policy.hpp"
#include "core/text.hpp"

#include <array>
#include <cctype>
#include <cstdint>

namespace parley::net {

namespace {

using V4 = std::uint32_t;

bool in_v4(V4 a, V4 network, int prefix) {
  const V4 mask = prefix == 0 ? 0 : ~V4{0} << (32 - prefix);
  return (a & mask) == (network & mask);
}

constexpr V4 v4(unsigned a, unsigned b, unsigned c, unsigned d) {
  return (a << 24) | (b << 16) | (c << 8) | d;
}

bool is_public_v4(V4 a) {
  struct Range {
    V4 network;
    int prefix;
  };
  static constexpr std::array<Range, 16> blocked{{
      {v4(0, 0, 0, 0), 8},        // "this" network
      {v4(10, 0, 0, 0), 8},       // private
      {v4(100, 64, 0, 0), 10},    // shared address space (CGNAT)
      {v4(127, 0, 0, 0), 8},      // loopback
      {v4(169, 254, 0, 0), 16},   // link-local (cloud metadata services live here)
      {v4(172, 16, 0, 0), 12},    // private
      {v4(192, 0, 0, 0), 24},     // IETF protocol assignments
      {v4(192, 0, 2, 0), 24},     // documentation
      {v4(192, 88, 99, 0), 24},   // 6to4 relay anycast (deprecated)
      {v4(192, 168, 0, 0), 16},   // private
      {v4(198, 18, 0, 0), 15},    // benchmarking
      {v4(198, 51, 100, 0), 24},  // documentation
      {v4(203, 0, 113, 0), 24},   // documentation
      {v4(224, 0, 0, 0), 4},      // multicast
      {v4(240, 0, 0, 0), 4},      // reserved, including broadcast
      {v4(255, 255, 255, 255), 32},
  }};
  for (const auto& r : blocked) {
    if (in_v4(a, r.network, r.prefix)) return false;
  }
  return true;
}

V4 v4_at(const std::array<unsigned char, 16>& b, std::size_t offset) {
  return (V4{b[offset]} << 24) | (V4{b[offset + 1]} << 16) | (V4{b[offset + 2]} << 8) | V4{b[offset + 3]};
}

bool starts_with_bits(const std::array<unsigned char, 16>& b, std::initializer_list<unsigned char> prefix,
                      int bits) {
  int remaining = bits;
  std::size_t i = 0;
  for (const unsigned char p : prefix) {
    if (remaining <= 0) break;
    const int take = remaining >= 8 ? 8 : remaining;
    const auto mask = static_cast<unsigned char>(0xFF << (8 - take));
    if ((b[i] & mask) != (p & mask)) return false;
    remaining -= take;
    ++i;
  }
  return true;
}

bool is_public_v6(const boost::asio::ip::address_v6& a) {
  const auto b = a.to_bytes();
  if (a.is_unspecified() || a.is_loopback() || a.is_multicast() || a.is_link_local() || a.is_site_local())
    return false;
  if (a.is_v4_mapped()) return is_public_v4(v4_at(b, 12));
  bool leading_zero_96 = true;
  for (std::size_t i = 0; i < 12; ++i) leading_zero_96 = leading_zero_96 && b[i] == 0;
  if (leading_zero_96) return false;  // IPv4-compatible (deprecated): nothing public lives there
  if (starts_with_bits(b, {0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0}, 96))  // NAT64 64:ff9b::/96
    return is_public_v4(v4_at(b, 12));
  if (starts_with_bits(b, {0x00, 0x64, 0xff, 0x9b, 0x00, 0x01}, 48)) return false;  // local-use NAT64
  if (starts_with_bits(b, {0x20, 0x02}, 16)) return is_public_v4(v4_at(b, 2));      // 6to4
  if (starts_with_bits(b, {0xfc}, 7)) return false;                                 // unique local
  if (starts_with_bits(b, {0x01, 0x00, 0, 0, 0, 0, 0, 0}, 64)) return false;        // discard-only
  if (starts_with_bits(b, {0x20, 0x01, 0x0d, 0xb8}, 32)) return false;              // documentation
  if (starts_with_bits(b, {0x20, 0x01, 0x00, 0x00}, 32)) return false;              // Teredo
  if (starts_with_bits(b, {0x20, 0x01, 0x00, 0x10}, 28)) return false;              // ORCHID
  return true;
}

// Lower case, without the trailing dot of a fully qualified name ("example.com." is example.com).
std::string host_key(std::string_view s) {
  std::string out = text::lower(s);
  while (!out.empty() && out.back() == '.') out.pop_back();
  return out;
}

}  // namespace

bool is_public_address(const boost::asio::ip::address& address) {
  if (address.is_v4()) return is_public_v4(address.to_v4().to_uint());
  return is_public_v6(address.to_v6());
}

bool host_is_listed(std::string_view host, const std::vector<std::string>& listed) {
  std::string h = host_key(host);
  if (h.size() > 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  if (h.empty()) return false;
  for (const auto& entry : listed) {
    std::string e = host_key(entry);
    if (e.size() > 2 && e.front() == '[' && e.back() == ']') e = e.substr(1, e.size() - 2);
    if (e.empty()) continue;
    if (e == h) return true;
    if (e.starts_with("*.")) {
      const std::string_view suffix = std::string_view(e).substr(1);  // ".example.com"
      if (h.size() > suffix.size() && h.ends_with(suffix)) return true;
    }
  }
  return false;
}

}  // namespace parley::net
