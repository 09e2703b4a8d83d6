// Runs blocking work (SQLite, file system, process spawn) on a small thread pool and resumes the awaiting
// coroutine on its own executor afterwards.
#pragma once

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

namespace parley {

class BlockingPool {
 public:
  explicit BlockingPool(std::size_t threads) : pool_(threads) {}
  ~BlockingPool() { pool_.join(); }
  BlockingPool(const BlockingPool&) = delete;
  BlockingPool& operator=(const BlockingPool&) = delete;

  // Runs fn() on the pool. Exceptions propagate to the awaiting coroutine.
  // Two posts and the awaiting coroutine's own wait, without a coroutine of its own on either side (a
  // co_spawn onto the pool made three frames and an awaitable thread for every job: a turn runs two).
  template <class Fn>
  boost::asio::awaitable<std::invoke_result_t<Fn>> run(Fn fn) requires
      std::is_void_v<std::invoke_result_t<Fn>> || std::is_default_constructible_v<std::invoke_result_t<Fn>> {
    using R = std::invoke_result_t<Fn>;
    using Signature = typename SignatureOf<R>::type;
    return boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, Signature>(
        Initiate<R>{&pool_}, boost::asio::use_awaitable, std::move(fn));
  }
  void stop() { pool_.stop(); }
  void join() { pool_.join(); }

 private:
  template <class R>
  struct SignatureOf {
    using type = void(std::exception_ptr, R);
  };
  template <class R>
  struct Initiate {
    boost::asio::thread_pool* pool;

    template <class Handler, class Fn>
    void operator()(Handler&& handler, Fn fn) const {
      namespace asio = boost::asio;
      // The awaiting coroutine's executor is kept busy (its io_context does not run out of work) until the
      // result is back on it.
      auto home =
          asio::prefer(asio::get_associated_executor(handler), asio::execution::outstanding_work.tracked);
      asio::post(*pool, [fn = std::move(fn), handler = std::forward<Handler>(handler),
                         home = std::move(home)]() mutable {
        std::exception_ptr error;
        if constexpr (std::is_void_v<R>) {
          try {
            fn();
          } catch (...) {
            error = std::current_exception();
          }
          asio::post(home, [handler = std::move(handler), error]() mutable { std::move(handler)(error); });
        } else {
          std::optional<R> result;
          try {
            result.emplace(fn());
          } catch (...) {
            error = std::current_exception();
          }
          asio::post(home, [handler = std::move(handler), error, result = std::move(result)]() mutable {
            if (error) {
              std::move(handler)(error, R{});
            } else {
              std::move(handler)(nullptr, std::move(*result));
            }
          });
        }
      });
    }
  };

  boost::asio::thread_pool pool_;
};

template <>
struct BlockingPool::SignatureOf<void> {
  using type = void(std::exception_ptr);
};

}  // namespace parley
