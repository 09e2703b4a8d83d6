#include "api/public_base.hpp"

#include <cctype>
#include <string_view>

namespace parley::api {

std::string public_base(const Config& config, const net::Request& req) {
  if (!config.public_url.empty()) return config.public_url;
  // A Host header with anything but host-name characters is not echoed into URLs.
  std::string host = req.host;
  for (const char c : host) {
    if (!std::isalnum(static_cast<unsigned char>(c)) &&
        std::string_view(".-:[]_").find(c) == std::string_view::npos) {
      host.clear();
      break;
    }
  }
  if (host.empty()) host = "localhost";
  return req.scheme + "://" + host;
}

}  // namespace parley::api
