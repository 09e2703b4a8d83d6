// Runs blocking work (SQLite, file system, process spawn) on a small thread pool and resumes the awaiting
// coroutine on its own executor afterwards.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <type_traits>

namespace parley {

class BlockingPool {
 public:
  explicit BlockingPool(std::size_t threads) : pool_(threads) {}
  ~BlockingPool() { pool_.join(); }
  BlockingPool(const BlockingPool&) = delete;
  BlockingPool& operator=(const BlockingPool&) = delete;

  // Runs fn() on the pool. Exceptions propagate to the awaiting coroutine.
  template <class Fn>
  boost::asio::awaitable<std::invoke_result_t<Fn>> run(Fn fn) {
    using R = std::invoke_result_t<Fn>;
    co_return co_await boost::asio::co_spawn(pool_.get_executor(), call<R, Fn>(std::move(fn)),
                                             boost::asio::use_awaitable);
  }
  void stop() { pool_.stop(); }
  void join() { pool_.join(); }

 private:
  template <class R, class Fn>
  static boost::asio::awaitable<R> call(Fn fn) {
    if constexpr (std::is_void_v<R>) {
      fn();
      co_return;
    } else {
      co_return fn();
    }
  }
  boost::asio::thread_pool pool_;
};

}  // namespace parley
