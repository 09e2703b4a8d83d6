// The Google settings parley derives from its configuration, shared by `parley serve` (the authorization
// routes) and the built-in Google servers.
#pragma once

#include <string>

#include "core/config.hpp"
#include "core/ids.hpp"
#include "google/api_client.hpp"
#include "google/google_auth.hpp"

namespace parley::app {

inline google::GoogleAuthSettings google_auth_settings(const Config& config,
                                                       const std::string& signing_key_hex) {
  google::GoogleAuthSettings s;
  s.home = config.home;
  s.default_redirect_uri = config.google_oauth_redirect_uri;
  s.signing_key = signing_key_hex.empty() ? std::string() : from_hex(signing_key_hex);
  s.timeout = std::chrono::milliseconds(static_cast<long long>(config.google_timeout_seconds * 1000));
  return s;
}

inline google::ApiSettings google_api_settings(const Config& config) {
  google::ApiSettings s;
  s.base_url = config.google_api_base_url.empty() ? "https://www.googleapis.com" : config.google_api_base_url;
  s.timeout = std::chrono::milliseconds(static_cast<long long>(config.google_timeout_seconds * 1000));
  return s;
}

}  // namespace parley::app
