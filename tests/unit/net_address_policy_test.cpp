// Which addresses generated-image downloads may reach (api.md §3.3): public unicast only, unless listed.
#include <gtest/gtest.h>

#include "net/address_policy.hpp"

using parley::net::host_is_listed;
using parley::net::is_public_address;

namespace {
bool is_public(const char* text) {
  return is_public_address(boost::asio::ip::make_address(text));
}
}  // namespace

TEST(AddressPolicy, PublicAddressesPass) {
  for (const char* a :
       {"8.8.8.8", "1.1.1.1", "93.184.216.34", "172.15.255.255", "172.32.0.1", "100.63.255.255",
        "2606:4700:4700::1111", "2a00:1450:4001:80b::200e", "::ffff:8.8.8.8", "64:ff9b::808:808"}) {
    EXPECT_TRUE(is_public(a)) << a;
  }
}

TEST(AddressPolicy, LoopbackLinkLocalPrivateAndReservedAreRefused) {
  for (const char* a : {"127.0.0.1",
                        "127.255.0.9",
                        "0.0.0.0",
                        "10.1.2.3",
                        "172.16.0.1",
                        "172.31.255.255",
                        "192.168.1.1",
                        "169.254.169.254",
                        "100.64.0.1",
                        "192.0.2.5",
                        "198.18.0.1",
                        "224.0.0.1",
                        "240.0.0.1",
                        "255.255.255.255",
                        "::1",
                        "::",
                        "fe80::1",
                        "fc00::1",
                        "fd12:3456::1",
                        "ff02::1",
                        "2001:db8::1",
                        "::ffff:127.0.0.1",
                        "::ffff:10.0.0.1",
                        "::ffff:169.254.169.254",
                        "::127.0.0.1",
                        "64:ff9b::7f00:1",
                        "2002:7f00:1::1",
                        "2002:c0a8:101::1",
                        "fec0::1"}) {
    EXPECT_FALSE(is_public(a)) << a;
  }
}

TEST(AddressPolicy, ListedHosts) {
  const std::vector<std::string> listed{"images.example.com", "127.0.0.1", "*.cdn.example", "[::1]"};
  EXPECT_TRUE(host_is_listed("images.example.com", listed));
  EXPECT_TRUE(host_is_listed("IMAGES.Example.COM.", listed));
  EXPECT_FALSE(host_is_listed("evil-images.example.com", listed));
  EXPECT_FALSE(host_is_listed("images.example.com.evil", listed));
  EXPECT_TRUE(host_is_listed("127.0.0.1", listed));
  EXPECT_FALSE(host_is_listed("127.0.0.2", listed));
  EXPECT_TRUE(host_is_listed("a.cdn.example", listed));
  EXPECT_TRUE(host_is_listed("a.b.cdn.example", listed));
  EXPECT_FALSE(host_is_listed("cdn.example", listed)) << "a wildcard covers subdomains only";
  EXPECT_TRUE(host_is_listed("::1", listed));
  EXPECT_FALSE(host_is_listed("", listed));
  EXPECT_FALSE(host_is_listed("images.example.com", {}));
}
