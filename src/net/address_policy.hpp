// Which network addresses parley may fetch generated images from (api.md §3.3, §6.2): never loopback,
// link-local, private or otherwise non-public addresses, unless the host is explicitly allowed.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace parley::net {

// True for globally routable unicast addresses; false for loopback, unspecified, private (RFC 1918, unique
// local), link-local, shared (CGNAT), documentation, benchmarking, multicast and reserved ranges, also when
// they hide inside an IPv4-mapped, IPv4-compatible, NAT64 or 6to4 IPv6 address.
bool is_public_address(const boost::asio::ip::address& address);

// True when `host` (a URL's host, without brackets) is one of `listed` (case-insensitive; a listed
// "*.example.com" matches every subdomain of example.com, not example.com itself).
bool host_is_listed(std::string_view host, const std::vector<std::string>& listed);

}  // namespace parley::net
