// Whether a blocking check (a database ping) answers within a budget, without waiting longer than the
// budget when it hangs: the check keeps its pool thread, the caller goes on (/health's 2-second rule, §2.1).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>

#include "core/blocking.hpp"

namespace parley::chat {

// True when `check` returned true within `budget`; false when it returned false or is still running.
boost::asio::awaitable<bool> answers_within(BlockingPool& blocking, std::function<bool()> check,
                                            std::chrono::milliseconds budget);

}  // namespace parley::chat
