#include "core/redact.hpp"

#include <algorithm>
#include <cctype>
#include <mutex>
#include <regex>
#include <shared_mutex>

namespace parley {
namespace {

constexpr std::string_view kMask = "[REDACTED]";

bool icontains(std::string_view hay, std::string_view needle) {
  return std::search(hay.begin(), hay.end(), needle.begin(), needle.end(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
         }) != hay.end();
}

const std::regex& bearer_re() {
  static const std::regex re(R"((bearer|token|basic)\s+[A-Za-z0-9._~+/=-]{6,})", std::regex::icase);
  return re;
}
const std::regex& header_re() {
  // Credential headers: the scheme word (if any) and the credential, stopping at ';', ',' or a line end.
  static const std::regex re(
      R"(((?:authorization|proxy-authorization|x-api-key|api-key|x-goog-api-key)\s*[:=]\s*)("[^"]*"|[^\s;,|]+(?:[ \t]+[^\s;,|]+)?))",
      std::regex::icase);
  return re;
}
const std::regex& cookie_header_re() {
  // Cookie values contain ';': everything up to the end of the line or a ' | ' field separator.
  static const std::regex re(R"(((?:set-cookie|cookie)\s*:\s*)([^\r\n|]*))", std::regex::icase);
  return re;
}
const std::regex& query_re() {
  static const std::regex re(
      R"(([?&;,\s"](?:sig|signature|x-goog-signature|x-amz-signature|x-amz-credential|x-goog-credential|x-amz-security-token|token|access_token|refresh_token|id_token|api_key|apikey|key|password|client_secret|code)=)([^&\s"'#]+))",
      std::regex::icase);
  return re;
}
const std::regex& json_re() {
  static const std::regex re(
      R"lit(("(?:password|password_hash|api_key|apikey|token|access_token|refresh_token|id_token|client_secret|private_key|private_key_id|secret|secret_access_key|authorization|cookie|key)"\s*:\s*)"(?:[^"\\]|\\.)*")lit",
      std::regex::icase);
  return re;
}
const std::regex& cookie_pair_re() {
  static const std::regex re(R"((parley_session=)[^;\s"]+)");
  return re;
}
const std::regex& provider_key_re() {
  static const std::regex re(
      R"(\b(sk-[A-Za-z0-9_-]{2,}-[A-Za-z0-9_-]{16,}|sk-[A-Za-z0-9]{20,}|AKIA[0-9A-Z]{16})\b)");
  return re;
}
const std::regex& pem_re() {
  static const std::regex re(
      R"(-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$))");
  return re;
}
const std::regex& data_url_re() {
  static const std::regex re(R"((data:[A-Za-z0-9.+/-]*(?:;[A-Za-z0-9=.+-]+)*,)([A-Za-z0-9+/=%_-]{48,}))");
  return re;
}

std::string replace_secrets(std::string s, const std::vector<std::string>& secrets) {
  for (const auto& secret : secrets) {
    std::size_t pos = 0;
    while ((pos = s.find(secret, pos)) != std::string::npos) {
      s.replace(pos, secret.size(), kMask);
      pos += kMask.size();
    }
  }
  return s;
}

std::shared_mutex& secrets_mutex() {
  static std::shared_mutex m;
  return m;
}

}  // namespace

void Redactor::add_secret(std::string value) {
  if (value.size() < 4) return;
  std::unique_lock lock(secrets_mutex());
  if (std::find(secrets_.begin(), secrets_.end(), value) == secrets_.end())
    secrets_.push_back(std::move(value));
  // Longest first, so a secret that contains another is masked whole.
  std::sort(secrets_.begin(), secrets_.end(),
            [](const auto& a, const auto& b) { return a.size() > b.size(); });
}

std::string Redactor::redact(std::string_view text) const {
  std::string s;
  {
    std::shared_lock lock(secrets_mutex());
    s = replace_secrets(std::string(text), secrets_);
  }
  // Cheap pre-checks keep the regex cost off ordinary lines.
  if (s.find("data:") != std::string::npos) {
    std::string out;
    auto begin = std::sregex_iterator(s.begin(), s.end(), data_url_re());
    std::size_t last = 0;
    for (auto it = begin; it != std::sregex_iterator(); ++it) {
      const auto& m = *it;
      out.append(s, last, static_cast<std::size_t>(m.position(0)) - last);
      out += m.str(1);
      out += m.str(2).substr(0, 16);
      out += "…[" + std::to_string(m.length(2)) + " chars]";
      last = static_cast<std::size_t>(m.position(0) + m.length(0));
    }
    out.append(s, last);
    s = std::move(out);
  }
  if (s.find("PRIVATE KEY") != std::string::npos)
    s = std::regex_replace(s, pem_re(), "[REDACTED PRIVATE KEY]");
  if (icontains(s, "bearer") || icontains(s, "token ") || icontains(s, "basic ")) {
    s = std::regex_replace(s, bearer_re(), "$1 [REDACTED]");
  }
  if (icontains(s, "auth") || icontains(s, "key")) s = std::regex_replace(s, header_re(), "$1[REDACTED]");
  if (icontains(s, "cookie")) s = std::regex_replace(s, cookie_header_re(), "$1[REDACTED] ");
  if (s.find('=') != std::string::npos) {
    s = std::regex_replace(s, query_re(), "$1[REDACTED]");
    s = std::regex_replace(s, cookie_pair_re(), "$1[REDACTED]");
  }
  if (s.find('"') != std::string::npos && s.find(':') != std::string::npos) {
    s = std::regex_replace(s, json_re(), "$1\"[REDACTED]\"");
  }
  if (s.find("sk-") != std::string::npos || s.find("AKIA") != std::string::npos) {
    s = std::regex_replace(s, provider_key_re(), "[REDACTED]");
  }
  return s;
}

Redactor& global_redactor() {
  static Redactor r;
  return r;
}

}  // namespace parley
