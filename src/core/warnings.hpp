// Configuration problems found at run time, each naming what is wrong and how to fix it; shown in /health.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace parley {

class Warnings {
 public:
  void add(std::string message) {
    std::lock_guard lock(mutex_);
    for (const auto& m : messages_) {
      if (m == message) return;
    }
    messages_.push_back(std::move(message));
  }
  // A warning about something that can get better (a settings document that cannot be read): replaced under
  // its key, and gone once clear(key) says the problem is over.
  void set(const std::string& key, std::string message) {
    std::lock_guard lock(mutex_);
    keyed_[key] = std::move(message);
  }
  void clear(const std::string& key) {
    std::lock_guard lock(mutex_);
    keyed_.erase(key);
  }
  [[nodiscard]] std::vector<std::string> list() const {
    std::lock_guard lock(mutex_);
    auto out = messages_;
    for (const auto& [key, message] : keyed_) out.push_back(message);
    return out;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> messages_;
  std::map<std::string, std::string> keyed_;
};

}  // namespace parley
