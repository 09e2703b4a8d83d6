// The values of parley's own secrets (upstream key, auth token, signing key, Deepgram and storage keys, MCP
// header values, OAuth tokens): registered as soon as they are known and masked wherever parley writes text
// out (api.md §0.8) — SSE frames, error bodies, stored rows, exports and logs. Exact matching only, in linear
// time.
#pragma once

#include <cstddef>
#include <map>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace parley {

class SecretValues {
 public:
  // Values shorter than this are not registered: masking them would mangle ordinary words.
  static constexpr std::size_t kMinLength = 6;
  static constexpr std::string_view kMask = "[REDACTED]";

  void add(std::string value);
  // A value that replaces the previous value of `slot` (an access token that is refreshed every hour must
  // not grow the list forever).
  void set(const std::string& slot, std::string value);
  // Replaces every occurrence of a registered value with kMask; true when something was replaced.
  bool scrub(std::string& text) const;
  [[nodiscard]] std::string scrubbed(std::string_view text) const;
  [[nodiscard]] bool contains_any(std::string_view text) const;
  [[nodiscard]] bool empty() const;

 private:
  void rebuild();  // with mutex_ held

  mutable std::shared_mutex mutex_;
  std::vector<std::string> permanent_;
  std::map<std::string, std::string, std::less<>> slots_;
  std::vector<std::string> values_;  // both, longest first, so a value that contains another is masked whole
};

// The process-wide registry: the configuration's secrets at start-up, MCP header values and OAuth tokens as
// they are expanded or loaded.
SecretValues& known_secrets();

}  // namespace parley
