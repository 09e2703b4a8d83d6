#include "google/oauth_client.hpp"

#include <algorithm>
#include <vector>

#include "core/atomic_file.hpp"
#include "core/json.hpp"

namespace parley::google {

namespace fs = std::filesystem;

std::optional<OAuthClient> parse_oauth_client(const std::string& text, std::string& error) {
  auto parsed = json::parse(text, &error);
  if (!parsed) return std::nullopt;
  if (!parsed->is_object()) {
    error = "the file is not a JSON object";
    return std::nullopt;
  }
  const auto& root = parsed->get_object();
  const boost::json::object* section = nullptr;
  for (const char* name : {"web", "installed"}) {
    if (const auto* s = root.if_contains(name); s != nullptr && s->is_object()) {
      section = &s->get_object();
      break;
    }
  }
  if (section == nullptr) {
    error = "the file has neither a \"web\" nor an \"installed\" section";
    return std::nullopt;
  }
  OAuthClient c;
  c.client_id = json::string_member(*section, "client_id");
  c.client_secret = json::string_member(*section, "client_secret");
  if (auto v = json::string_member(*section, "auth_uri"); !v.empty()) c.auth_uri = v;
  if (auto v = json::string_member(*section, "token_uri"); !v.empty()) c.token_uri = v;
  if (c.client_id.empty() || c.client_secret.empty()) {
    error = "the client section lacks client_id or client_secret";
    return std::nullopt;
  }
  return c;
}

OAuthClientLoad load_oauth_client(const fs::path& home) {
  OAuthClientLoad out;
  const auto dir = home / "credentials";
  std::vector<fs::path> candidates;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const auto name = it->path().filename().string();
    if (name.rfind("client_secret_", 0) == 0 && name.size() > 19 && name.ends_with(".json"))
      candidates.push_back(it->path());
  }
  if (candidates.empty()) {
    out.error = "no Google OAuth client file (credentials/client_secret_*.json) in " + home.string();
    return out;
  }
  std::sort(candidates.begin(), candidates.end());
  const auto& path = candidates.front();
  auto text = read_file(path, ec);
  if (!text) {
    out.error = "cannot read " + path.string() + ": " + ec.message();
    return out;
  }
  std::string why;
  auto client = parse_oauth_client(*text, why);
  if (!client) {
    out.error = path.string() + " is not a Google OAuth client file: " + why;
    return out;
  }
  client->file = path;
  out.client = std::move(client);
  return out;
}

}  // namespace parley::google
