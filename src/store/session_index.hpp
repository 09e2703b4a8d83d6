// Distinct session ids numbered in order of first sight, for the SQLite search (conversation_listing.cpp)
// and its message id -> conversation cache (message_session_cache.hpp).
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::store {

// An open-addressing table of numbers, the ids in one buffer. (std::unordered_map<std::string, ...> spent
// most of a broad search's time on its nodes, strings and uncached hashes: 90,000 conversations for
// q="tari".)
class SessionIndex {
 public:
  // The number of `session`, added when new.
  std::uint32_t add(std::string_view session) {
    if ((size() + 1) * 2 > slots_.size()) grow();
    const std::uint64_t h = hash(session);
    std::size_t pos = h & (slots_.size() - 1);
    for (; slots_[pos] != 0; pos = (pos + 1) & (slots_.size() - 1)) {
      const std::uint32_t i = slots_[pos] - 1;
      if (hashes_[i] == h && at(i) == session) return i;
    }
    const auto i = static_cast<std::uint32_t>(size());
    slots_[pos] = i + 1;
    hashes_.push_back(h);
    chars_.append(session);
    ends_.push_back(chars_.size());
    return i;
  }
  [[nodiscard]] std::optional<std::uint32_t> find(std::string_view session) const {
    if (slots_.empty()) return std::nullopt;
    const std::uint64_t h = hash(session);
    for (std::size_t pos = h & (slots_.size() - 1); slots_[pos] != 0; pos = (pos + 1) & (slots_.size() - 1)) {
      const std::uint32_t i = slots_[pos] - 1;
      if (hashes_[i] == h && at(i) == session) return i;
    }
    return std::nullopt;
  }
  [[nodiscard]] std::size_t size() const { return ends_.size(); }
  [[nodiscard]] std::string_view at(std::uint32_t i) const {
    const std::size_t begin = i == 0 ? 0 : ends_[i - 1];
    return std::string_view(chars_).substr(begin, ends_[i] - begin);
  }
  // Bytes held (capacity), for the cache's memory figure.
  [[nodiscard]] std::size_t memory() const {
    return slots_.capacity() * sizeof(std::uint32_t) + hashes_.capacity() * sizeof(std::uint64_t) +
           chars_.capacity() + ends_.capacity() * sizeof(std::size_t);
  }

 private:
  static std::uint64_t hash(std::string_view s) { return std::hash<std::string_view>{}(s); }
  void grow() {
    slots_.assign(std::max<std::size_t>(1024, slots_.size() * 2), 0);
    for (std::uint32_t i = 0; i < size(); ++i) {
      std::size_t pos = hashes_[i] & (slots_.size() - 1);
      while (slots_[pos] != 0) pos = (pos + 1) & (slots_.size() - 1);
      slots_[pos] = i + 1;
    }
  }

  std::vector<std::uint32_t> slots_;  // number + 1; 0 = empty; a power of two, at most half full
  std::vector<std::uint64_t> hashes_;
  std::string chars_;
  std::vector<std::size_t> ends_;
};

}  // namespace parley::store
