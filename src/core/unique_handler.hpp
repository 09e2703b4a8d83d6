// A move-only completion handler behind one type: Asio's awaitable handlers cannot be copied into a
// std::function, and Boost 1.81's any_completion_handler recursed forever when moved. Called at most once.
#pragma once

#include <memory>
#include <utility>

namespace parley {

template <class Signature>
class UniqueHandler;

template <class... Args>
class UniqueHandler<void(Args...)> {
 public:
  UniqueHandler() = default;
  template <class Handler>
  explicit UniqueHandler(Handler handler) : impl_(std::make_unique<Impl<Handler>>(std::move(handler))) {}

  explicit operator bool() const { return impl_ != nullptr; }
  // Calls the handler and lets go of it.
  void operator()(Args... args) {
    auto impl = std::move(impl_);
    impl->call(std::forward<Args>(args)...);
  }

 private:
  struct Base {
    virtual ~Base() = default;
    virtual void call(Args... args) = 0;
  };
  template <class Handler>
  struct Impl final : Base {
    explicit Impl(Handler h) : handler(std::move(h)) {}
    void call(Args... args) override { std::move(handler)(std::forward<Args>(args)...); }
    Handler handler;
  };
  std::unique_ptr<Base> impl_;
};

}  // namespace parley
