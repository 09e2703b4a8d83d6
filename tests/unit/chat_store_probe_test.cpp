// /health's database probe: a check that answers in time counts, one that hangs is given up at the budget
// while it still runs (issue 17: racing it with `||` waited for the hung call).
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <future>
#include <optional>

#include "chat/store_probe.hpp"
#include "run_awaitable.hpp"

using namespace parley;
using test_support::run_awaitable;

namespace {

TEST(StoreProbe, AnAnswerWithinTheBudgetCounts) {
  boost::asio::io_context io;
  parley::BlockingPool blocking(1);
  EXPECT_TRUE(run_awaitable(io, chat::answers_within(
                                    blocking, [] { return true; }, std::chrono::seconds(5))));
  EXPECT_FALSE(run_awaitable(io, chat::answers_within(
                                     blocking, [] { return false; }, std::chrono::seconds(5))));
}

TEST(StoreProbe, AHungCheckIsGivenUpAtTheBudgetWhileItStillRuns) {
  boost::asio::io_context io;
  parley::BlockingPool blocking(1);
  std::promise<void> release;
  auto released = release.get_future().share();
  std::promise<void> finished;
  auto hung = [released, &finished] {
    released.wait();
    finished.set_value();
    return true;
  };
  std::optional<bool> answer;
  boost::asio::co_spawn(io, chat::answers_within(blocking, hung, std::chrono::milliseconds(50)),
                        [&](std::exception_ptr, bool ok) { answer = ok; });
  // The answer comes although the check can only finish once released below.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!answer && std::chrono::steady_clock::now() < give_up) io.run_one_until(give_up);
  const bool answered_while_hung = answer.has_value();
  release.set_value();
  io.run();  // the check's continuation
  EXPECT_TRUE(answered_while_hung);
  EXPECT_EQ(answer, false);
  EXPECT_EQ(finished.get_future().wait_for(std::chrono::seconds(0)), std::future_status::ready);
}

}  // namespace
