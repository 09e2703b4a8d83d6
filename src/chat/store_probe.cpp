#include "chat/store_probe.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>

namespace parley::chat {

namespace asio = boost::asio;

namespace {

// A check in flight, on one strand: the timer expires at the budget, or is cancelled when the answer comes.
struct Probe {
  Probe(const asio::any_io_executor& strand, std::chrono::milliseconds budget)
      : answered_or_budget(strand, budget) {}
  asio::steady_timer answered_or_budget;
  bool answered = false;
  bool ok = false;
};

asio::awaitable<void> check_into(BlockingPool* blocking, std::function<bool()> check,
                                 std::shared_ptr<Probe> probe) {
  probe->ok = co_await blocking->run(std::move(check));
  probe->answered = true;
  probe->answered_or_budget.cancel();
}

// The check runs detached: racing it against a timer with `||` waited for both, as a blocking call cannot
// be cancelled.
asio::awaitable<bool> probe_on_strand(asio::any_io_executor strand, BlockingPool* blocking,
                                      std::function<bool()> check, std::chrono::milliseconds budget) {
  auto probe = std::make_shared<Probe>(strand, budget);
  asio::co_spawn(strand, check_into(blocking, std::move(check), probe), asio::detached);
  co_await probe->answered_or_budget.async_wait(asio::as_tuple(asio::use_awaitable));
  co_return probe->answered && probe->ok;
}

}  // namespace

asio::awaitable<bool> answers_within(BlockingPool& blocking, std::function<bool()> check,
                                     std::chrono::milliseconds budget) {
  // A strand of its own: the probe is touched by the waiter and by the check's continuation.
  auto strand = asio::make_strand(co_await asio::this_coro::executor);
  co_return co_await asio::co_spawn(strand, probe_on_strand(strand, &blocking, std::move(check), budget),
                                    asio::use_awaitable);
}

}  // namespace parley::chat
