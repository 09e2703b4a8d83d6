// An explicit cancellation signal shared by a request and the work it started (upstream calls, tool calls).
// Unlike Asio's per-operation cancellation it does not interrupt the canceller's own awaits, so work that
// must happen after a cancel (storing the partial answer) still runs.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <mutex>

namespace parley {

class CancelSignal {
 public:
  // Registers `fn` to run once on cancel(); runs it at once when already cancelled. Returns a handle for
  // remove().
  std::size_t on_cancel(std::function<void()> fn) {
    std::unique_lock lock(mutex_);
    if (cancelled_) {
      lock.unlock();
      fn();
      return 0;
    }
    const auto id = ++next_;
    hooks_.emplace(id, std::move(fn));
    return id;
  }
  void remove(std::size_t id) {
    std::lock_guard lock(mutex_);
    hooks_.erase(id);
  }
  void cancel() {
    std::map<std::size_t, std::function<void()>> hooks;
    {
      std::lock_guard lock(mutex_);
      if (cancelled_) return;
      cancelled_ = true;
      hooks.swap(hooks_);
    }
    for (auto& [id, fn] : hooks) fn();
  }
  [[nodiscard]] bool cancelled() const {
    std::lock_guard lock(mutex_);
    return cancelled_;
  }

 private:
  mutable std::mutex mutex_;
  bool cancelled_ = false;
  std::size_t next_ = 0;
  std::map<std::size_t, std::function<void()>> hooks_;
};

// Removes a registration when it goes out of scope.
class CancelRegistration {
 public:
  CancelRegistration(CancelSignal* signal, std::function<void()> fn)
      : signal_(signal), id_(signal ? signal->on_cancel(std::move(fn)) : 0) {}
  ~CancelRegistration() {
    if (signal_ && id_) signal_->remove(id_);
  }
  CancelRegistration(const CancelRegistration&) = delete;
  CancelRegistration& operator=(const CancelRegistration&) = delete;

 private:
  CancelSignal* signal_;
  std::size_t id_;
};

}  // namespace parley
