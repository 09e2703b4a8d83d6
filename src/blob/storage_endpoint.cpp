#include "blob/storage_endpoint.hpp"

#include <boost/url/parse.hpp>

namespace parley::blob {

std::optional<StorageEndpoint> parse_storage_endpoint(std::string_view url) {
  auto u = boost::urls::parse_absolute_uri(url);
  if (!u || (u->scheme() != "http" && u->scheme() != "https")) return std::nullopt;
  StorageEndpoint e;
  e.scheme = std::string(u->scheme());
  e.authority = std::string(u->encoded_authority());
  e.host = std::string(u->encoded_host_and_port().substr(0, u->encoded_host().size()));
  if (const auto at = e.authority.find('@'); at != std::string::npos) return std::nullopt;  // no userinfo
  if (e.host.empty()) return std::nullopt;
  return e;
}

}  // namespace parley::blob
