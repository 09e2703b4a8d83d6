// Scrubs secrets from text bound for any log (api.md §0.8): known secret values, bearer tokens, cookies,
// credential headers, signature parameters of URLs, secret-looking JSON members, private keys; truncates
// data: URLs. Linear in the input (RE2 and scanners, never std::regex: one long line must not end the
// process).
#pragma once

#include <string>
#include <string_view>

#include "core/secret_values.hpp"

namespace parley {

class Redactor {
 public:
  // A redactor with its own secret values (tests); the process-wide one uses known_secrets().
  Redactor() : secrets_(&own_secrets_) {}
  explicit Redactor(SecretValues& secrets) : secrets_(&secrets) {}
  Redactor(const Redactor&) = delete;
  Redactor& operator=(const Redactor&) = delete;

  // Values that must never appear verbatim; registered with the secret values this redactor uses.
  void add_secret(std::string value);
  // Values masked in logs only (identifiers that output may carry, such as the S3 access key id).
  void add_log_only(std::string value);
  [[nodiscard]] std::string redact(std::string_view text) const;

 private:
  SecretValues own_secrets_;
  SecretValues* secrets_;
  SecretValues log_only_;
};

// The process-wide redactor used by the logger; its secret values are known_secrets().
Redactor& global_redactor();

}  // namespace parley
