// Which addresses downloads made for the model may reach (api.md §3.3).
#include <gtest/gtest.h>

#include "net/download_policy.hpp"

using parley::net::download_refusal;
using parley::net::is_public_address;

TEST(NetDownloadPolicy, PrivateLoopbackLinkLocalAndReservedAddressesAreNotPublic) {
  for (const char* a : {"127.0.0.1",
                        "10.1.2.3",
                        "172.16.0.1",
                        "172.31.255.255",
                        "192.168.1.1",
                        "169.254.169.254",
                        "100.64.0.1",
                        "0.0.0.0",
                        "224.0.0.1",
                        "255.255.255.255",
                        "::1",
                        "::",
                        "fe80::1",
                        "fc00::1",
                        "fd12:3456::1",
                        "ff02::1",
                        "::ffff:127.0.0.1",
                        "::ffff:10.0.0.1",
                        "not an address",
                        ""}) {
    EXPECT_FALSE(is_public_address(a)) << a;
  }
  for (const char* a :
       {"8.8.8.8", "1.1.1.1", "172.32.0.1", "192.169.0.1", "2606:4700::1111", "::ffff:8.8.8.8"}) {
    EXPECT_TRUE(is_public_address(a)) << a;
  }
}

TEST(NetDownloadPolicy, HostsAreResolvedAndTheAllowListWins) {
  EXPECT_NE(download_refusal("127.0.0.1", {})->find("non-public address (127.0.0.1)"), std::string::npos);
  EXPECT_NE(download_refusal("[::1]", {})->find("non-public address (::1)"), std::string::npos);
  EXPECT_NE(download_refusal("localhost", {})->find("non-public"), std::string::npos);
  EXPECT_FALSE(download_refusal("127.0.0.1", {"127.0.0.1"}));  // listed explicitly
  EXPECT_FALSE(download_refusal("LOCALHOST", {"localhost"}));
  EXPECT_NE(download_refusal("127.0.0.2", {"127.0.0.1"})->find("not in IMAGE_DOWNLOAD_ALLOWED_HOSTS"),
            std::string::npos);
  EXPECT_EQ(*download_refusal("", {}), "the URL has no host");
}
