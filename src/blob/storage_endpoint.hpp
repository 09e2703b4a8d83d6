// The base URL of a storage service (GCS_ENDPOINT, S3_ENDPOINT) split into the parts request signing needs.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace parley::blob {

struct StorageEndpoint {
  std::string scheme;     // http or https
  std::string authority;  // host[:port] as written
  std::string host;       // without the port
  [[nodiscard]] std::string origin() const { return scheme + "://" + authority; }
};

std::optional<StorageEndpoint> parse_storage_endpoint(std::string_view url);

}  // namespace parley::blob
