// Redaction throughput on long lines (issue 15): each pattern of the log redactor and the known-secret scrub
// on 1 MB and 64 MB inputs, to show the cost is linear (the 64 MB figure is ~64 times the 1 MB one). Not a
// test.
//
//   cmake --build build --target redact_bench && build/redact_bench
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "core/redact.hpp"
#include "core/secret_values.hpp"

namespace {

std::string run_of(std::size_t n, bool alnum_only) {
  static const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const std::size_t size = alnum_only ? 62 : alphabet.size();
  std::string s;
  s.reserve(n);
  for (std::size_t i = 0; i < n; ++i) s.push_back(alphabet[(i * 7 + i / 64) % size]);
  return s;
}

double seconds_to_redact(const parley::Redactor& r, const std::string& input) {
  const auto start = std::chrono::steady_clock::now();
  const auto out = r.redact(input);
  const auto took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (out.size() > input.size() + 64) std::printf("unexpected growth\n");
  return took;
}

}  // namespace

int main() {
  struct Case {
    const char* name;
    std::string prefix;
    bool alnum;
  };
  const std::vector<Case> cases = {
      {"token", "token ", false},
      {"bearer", "Bearer ", false},
      {"basic", "basic ", false},
      {"authorization header", "Authorization: ", false},
      {"cookie header", "Cookie: a=", false},
      {"query signature", "GET /x?sig=", false},
      {"json member", "{\"password\":\"", false},
      {"data url", "data:image/png;base64,", false},
      {"provider key", "sk-or-v1-", true},
      {"private key", std::string("-----BEGIN ") + "PRIVATE KEY-----\n", false},
      {"no secret", "plain text ", true},
  };
  parley::Redactor redactor;
  redactor.add_secret("registered-secret-value-0123456789");
  std::printf("%-22s %12s %12s %8s\n", "input", "1 MB (ms)", "64 MB (ms)", "ratio");
  for (const auto& c : cases) {
    const double small = seconds_to_redact(redactor, c.prefix + run_of(std::size_t{1} << 20, c.alnum));
    const double large = seconds_to_redact(redactor, c.prefix + run_of(std::size_t{64} << 20, c.alnum));
    std::printf("%-22s %12.1f %12.1f %8.1f\n", c.name, small * 1000, large * 1000, large / small);
  }
  parley::SecretValues secrets;
  secrets.add("registered-secret-value-0123456789");
  for (const std::size_t mb : {std::size_t{1}, std::size_t{64}}) {
    std::string text = run_of(mb << 20, true);
    const auto start = std::chrono::steady_clock::now();
    secrets.scrub(text);
    const auto took =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    std::printf("known-secret scrub %2zu MB: %.1f ms\n", mb, took);
  }
}
