// Scrubs secrets from text bound for any log (api.md §0.8): known secret values, bearer tokens, cookies,
// credential headers, signature parameters of URLs, secret-looking JSON members, private keys; truncates
// data: URLs.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace parley {

class Redactor {
 public:
  // Values that must never appear verbatim (API keys, auth token, ...). Values shorter than 4 chars are
  // ignored.
  void add_secret(std::string value);
  [[nodiscard]] std::string redact(std::string_view text) const;

 private:
  std::vector<std::string> secrets_;
};

// The process-wide redactor used by the logger.
Redactor& global_redactor();

}  // namespace parley
