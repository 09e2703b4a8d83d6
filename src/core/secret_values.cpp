#include "core/secret_values.hpp"

#include <algorithm>
#include <cstring>
#include <mutex>

namespace parley {
namespace {

// Position of `needle` in `hay` at or after `from`, or npos. glibc's memmem is linear (two-way algorithm).
std::size_t find_bytes(std::string_view hay, std::string_view needle, std::size_t from) {
  if (from >= hay.size() || needle.size() > hay.size() - from) return std::string_view::npos;
  const void* at = ::memmem(hay.data() + from, hay.size() - from, needle.data(), needle.size());
  return at ? static_cast<std::size_t>(static_cast<const char*>(at) - hay.data()) : std::string_view::npos;
}

}  // namespace

void SecretValues::add(std::string value) {
  if (value.size() < kMinLength) return;
  std::unique_lock lock(mutex_);
  if (std::find(permanent_.begin(), permanent_.end(), value) != permanent_.end()) return;
  permanent_.push_back(std::move(value));
  rebuild();
}

void SecretValues::set(const std::string& slot, std::string value) {
  std::unique_lock lock(mutex_);
  if (value.size() < kMinLength) {
    if (slots_.erase(slot) > 0) rebuild();
    return;
  }
  auto& current = slots_[slot];
  if (current == value) return;
  current = std::move(value);
  rebuild();
}

void SecretValues::rebuild() {
  std::vector<std::string> all = permanent_;
  for (const auto& [slot, value] : slots_) {
    if (std::find(all.begin(), all.end(), value) == all.end()) all.push_back(value);
  }
  std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
  values_ = std::move(all);
}

bool SecretValues::scrub(std::string& text) const {
  std::shared_lock lock(mutex_);
  bool replaced = false;
  for (const auto& value : values_) {
    std::size_t pos = find_bytes(text, value, 0);
    if (pos == std::string_view::npos) continue;
    // Rebuild once per value instead of replacing in place (each replace would move the tail: quadratic).
    std::string out;
    out.reserve(text.size());
    std::size_t last = 0;
    while (pos != std::string_view::npos) {
      out.append(text, last, pos - last);
      out.append(kMask);
      last = pos + value.size();
      pos = find_bytes(text, value, last);
    }
    out.append(text, last, std::string::npos);
    text = std::move(out);
    replaced = true;
  }
  return replaced;
}

std::string SecretValues::scrubbed(std::string_view text) const {
  std::string copy(text);
  scrub(copy);
  return copy;
}

bool SecretValues::contains_any(std::string_view text) const {
  std::shared_lock lock(mutex_);
  return std::any_of(values_.begin(), values_.end(), [text](const std::string& v) {
    return find_bytes(text, v, 0) != std::string_view::npos;
  });
}

bool SecretValues::empty() const {
  std::shared_lock lock(mutex_);
  return values_.empty();
}

SecretValues& known_secrets() {
  static SecretValues values;
  return values;
}

}  // namespace parley
