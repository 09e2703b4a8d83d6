// The Google OAuth client of this install (api.md §2.20): the first credentials/client_secret_*.json, in
// Google's client file format (a "web" or an "installed" section).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace parley::google {

struct OAuthClient {
  std::string client_id;
  std::string client_secret;
  std::string auth_uri = "https://accounts.google.com/o/oauth2/auth";
  std::string token_uri = "https://oauth2.googleapis.com/token";
  std::filesystem::path file;  // where it was read from
};

struct OAuthClientLoad {
  std::optional<OAuthClient> client;
  std::string error;  // why there is none, for messages ("no credentials/client_secret_*.json in <home>")
};

// The first client_secret_*.json of <home>/credentials in name order.
OAuthClientLoad load_oauth_client(const std::filesystem::path& home);
// Parses one client file's text; `error` says what is missing.
std::optional<OAuthClient> parse_oauth_client(const std::string& text, std::string& error);

}  // namespace parley::google
