// Configuration problems found at run time, each naming what is wrong and how to fix it; shown in /health.
#pragma once

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
  [[nodiscard]] std::vector<std::string> list() const {
    std::lock_guard lock(mutex_);
    return messages_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> messages_;
};

}  // namespace parley
