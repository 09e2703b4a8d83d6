// Which hosts parley may download from on a model's behalf (api.md §3.3: never loopback, link-local or
// private addresses unless the host is listed explicitly; an allow-list, when set, names the only hosts
// allowed).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::net {

// True for addresses on the public internet: not loopback, private, link-local, carrier-grade NAT,
// multicast, unspecified or reserved (IPv4-mapped IPv6 addresses are judged as IPv4). `address` is text.
bool is_public_address(std::string_view address);

// Resolves `host` and checks it: nullopt when a download may go there, else the reason (readable, for the
// model). `allowed_hosts` empty means any public host; listed hosts may be private.
std::optional<std::string> download_refusal(const std::string& host,
                                            const std::vector<std::string>& allowed_hosts);

}  // namespace parley::net
