// Runs one awaitable to completion on an io_context in a unit test and hands back its result (exceptions
// rethrown), so service tests read like plain calls.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <exception>
#include <optional>
#include <type_traits>

namespace parley::test_support {

template <class T>
T run_awaitable(boost::asio::io_context& io, boost::asio::awaitable<T> work) {
  std::exception_ptr failure;
  if constexpr (std::is_void_v<T>) {
    boost::asio::co_spawn(io, std::move(work), [&](std::exception_ptr e) { failure = e; });
    io.restart();
    io.run();
    if (failure) std::rethrow_exception(failure);
  } else {
    std::optional<T> out;
    boost::asio::co_spawn(io, std::move(work), [&](std::exception_ptr e, T value) {
      failure = e;
      if (!e) out = std::move(value);
    });
    io.restart();
    io.run();
    if (failure) std::rethrow_exception(failure);
    return std::move(*out);
  }
}

}  // namespace parley::test_support
