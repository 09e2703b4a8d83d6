// Hop streaming on a scripted provider: chunks relayed byte for byte, one write per upstream read, and every
// way a hop ends classified as api.md §3.7 and §3.8 say.
#include <gtest/gtest.h>

#include "chat/hop_stream.hpp"
#include "chat_fakes.hpp"

namespace parley::chat {
namespace {

using namespace testing;
using Kind = llm::ProviderError::Kind;

// An upstream `data:` frame as the browser gets it: the same data, named (api.md §3.4).
std::string relayed(const std::string& frame) {
  return "event: message\n" + frame;
}

class HopStreamTest : public ::testing::TestWithParam<bool> {
 protected:
  // The sink takes frames at once (try_send, no coroutine for the read) or only through send().
  HopStreamTest() { sink_.at_once = GetParam(); }

  HopOutcome stream(ScriptedReply reply) {
    provider_.replies.push_back(std::move(reply));
    HopOutcome outcome;
    run_to_end(ioc_, run(&outcome));
    return outcome;
  }

  asio::awaitable<void> run(HopOutcome* out) {
    auto hop = start_hop(provider_, R"({"model":"m","stream":true})", sink_, acc_);
    auto end = co_await std::move(hop.call);
    *out = co_await end_hop(provider_, std::move(hop.state), std::move(end), sink_, acc_);
  }

  asio::io_context ioc_;
  FakeProvider provider_;
  RecordingSink sink_;
  llm::HopAccumulator acc_;
};

TEST_P(HopStreamTest, RelaysEachUpstreamReadAsOneWriteByteForByte) {
  // Two events in the first read, one split across the next two reads, then the end.
  const auto hello = content_chunk("Hello");
  const auto world = content_chunk(" world");
  const auto split_at = world.size() / 2;
  const auto outcome = stream(ScriptedReply::body({hello + content_chunk(","), world.substr(0, split_at),
                                                   world.substr(split_at) + finish_chunk(), kDone}));

  EXPECT_EQ(outcome.kind, HopOutcome::Kind::completed);
  EXPECT_FALSE(outcome.error);
  EXPECT_EQ(sink_.wire, relayed(hello) + relayed(content_chunk(",")) + relayed(world) +
                            relayed(finish_chunk()));  // [DONE] ends the hop, unsent
  EXPECT_EQ(sink_.sends, 2);                           // the read holding half an event sends nothing
  EXPECT_EQ(sink_.sent_at_once, GetParam() ? 2 : 0);
  EXPECT_EQ(acc_.text(), "Hello, world");
  EXPECT_EQ(acc_.finish_reason(), bj::value("stop"));
}

TEST_P(HopStreamTest, TheResponseHeadersReachTheAccumulator) {
  stream(ScriptedReply::body({content_chunk("a") + finish_chunk(), kDone})
             .with_header("X-Request-Id", "req-9")
             .with_header("Server", "fake"));
  EXPECT_EQ(acc_.routing(), (bj::value(bj::object{{"x-request-id", "req-9"}})));
}

TEST_P(HopStreamTest, AnHttpErrorFailsWithTheUpstreamStatusAndMessage) {
  const std::string body = R"({"error":{"message":"Rate limit exceeded","code":429}})";
  const auto outcome = stream(ScriptedReply::refused(429, body.substr(0, 10)).then(body.substr(10)));

  ASSERT_EQ(outcome.kind, HopOutcome::Kind::failed);
  EXPECT_EQ(outcome.upstream_status, 429);
  EXPECT_EQ(outcome.error_body, body);
  EXPECT_EQ(outcome.error->status, 429);
  EXPECT_EQ(outcome.error->message, "Rate limit exceeded");
  EXPECT_EQ(outcome.error->code, bj::value(429));
  EXPECT_TRUE(outcome.error->retryable);
  EXPECT_TRUE(sink_.wire.empty());  // an error body is not relayed
}

TEST_P(HopStreamTest, AnInBandErrorIsForwardedThenFailsTheHopAndStopsReading) {
  const auto error =
      sse(bj::object{{"error", bj::object{{"message", "Provider overloaded"},
                                          {"code", 502},
                                          {"metadata", bj::object{{"error_type", "provider_overloaded"}}}}}});
  const auto outcome = stream(
      ScriptedReply::body({content_chunk("Par") + error + content_chunk("never"), content_chunk("x")}));

  ASSERT_EQ(outcome.kind, HopOutcome::Kind::failed);
  EXPECT_EQ(sink_.wire, relayed(content_chunk("Par")) + relayed(error));
  EXPECT_FALSE(outcome.error->status);
  EXPECT_EQ(outcome.error->message, "Provider overloaded");
  EXPECT_EQ(outcome.error->code, bj::value(502));
  EXPECT_TRUE(outcome.error->retryable);
  EXPECT_EQ(acc_.text(), "Par");
}

TEST_P(HopStreamTest, AStreamThatEndsBeforeAFinishReasonIsADisconnect) {
  const auto outcome = stream(ScriptedReply::body({content_chunk("Half an ans")}));
  ASSERT_EQ(outcome.kind, HopOutcome::Kind::failed);
  EXPECT_EQ(outcome.error->code, bj::value("upstream_disconnected"));
  EXPECT_EQ(outcome.error->status, 502);
  EXPECT_EQ(outcome.error->message, "Upstream closed the stream before it finished");
  EXPECT_EQ(acc_.text(), "Half an ans");
}

TEST_P(HopStreamTest, AConnectionLostAfterTheFinishReasonStillCompletes) {
  const auto outcome = stream(ScriptedReply::body({content_chunk("Done") + finish_chunk()})
                                  .ending_with(provider_error(Kind::disconnected, "the connection closed")));
  EXPECT_EQ(outcome.kind, HopOutcome::Kind::completed);
  EXPECT_EQ(acc_.text(), "Done");
}

TEST_P(HopStreamTest, AFinalEventWithoutItsBlankLineStillCounts) {
  const auto outcome = stream(ScriptedReply::body({content_chunk("tail") + "data: [DONE]"}));
  EXPECT_EQ(outcome.kind, HopOutcome::Kind::completed);
}

TEST_P(HopStreamTest, TimeoutsBeforeAndDuringTheBodyNameTheLimit) {
  auto before = stream(ScriptedReply::failed(provider_error(Kind::timeout, "no response", 7)));
  ASSERT_EQ(before.kind, HopOutcome::Kind::failed);
  EXPECT_EQ(before.error->status, 504);
  EXPECT_EQ(before.error->code, bj::value("upstream_timeout"));
  EXPECT_EQ(before.error->message, "Upstream did not respond within 7 seconds");

  auto during = stream(
      ScriptedReply::body({content_chunk("slow")}).ending_with(provider_error(Kind::timeout, "no data", 7)));
  ASSERT_EQ(during.kind, HopOutcome::Kind::failed);
  EXPECT_EQ(during.error->code, bj::value("upstream_timeout"));
}

TEST_P(HopStreamTest, AnUnreachableUpstreamGivesTheTransportsReason) {
  const auto outcome = stream(ScriptedReply::failed(provider_error(Kind::unreachable, "connection refused")));
  ASSERT_EQ(outcome.kind, HopOutcome::Kind::failed);
  EXPECT_EQ(outcome.error->status, 502);
  EXPECT_EQ(outcome.error->code, bj::value("upstream_unreachable"));
  EXPECT_EQ(outcome.error->message, "Upstream connection failed: connection refused");
  EXPECT_TRUE(outcome.error->retryable);
}

TEST_P(HopStreamTest, AProviderWithoutKeyIsNotConfigured) {
  provider_.has_key = false;
  const auto outcome = stream(ScriptedReply::body({}));
  ASSERT_EQ(outcome.kind, HopOutcome::Kind::failed);
  EXPECT_EQ(outcome.error->code, bj::value("not_configured"));
  EXPECT_EQ(outcome.error->status, 503);
  EXPECT_TRUE(provider_.requests.empty());
}

TEST_P(HopStreamTest, AnOversizedEventStopsReadingAfterTheEventsBeforeIt) {
  // 33 reads of 1 MiB without a line end: past the 32 MiB event limit.
  ScriptedReply reply;
  reply.pieces.push_back(content_chunk("before") + "data: ");
  for (int i = 0; i < 33; ++i) reply.pieces.emplace_back(1024 * 1024, 'x');
  reply.pieces.push_back("\n\n" + content_chunk("after"));
  const auto outcome = stream(std::move(reply));

  ASSERT_EQ(outcome.kind, HopOutcome::Kind::failed);
  EXPECT_EQ(outcome.error->code, bj::value("upstream_event_too_large"));
  EXPECT_EQ(outcome.error->status, 502);
  EXPECT_FALSE(outcome.error->retryable);
  EXPECT_EQ(sink_.wire, relayed(content_chunk("before")));
}

TEST_P(HopStreamTest, AClientThatLeavesCancelsTheUpstreamCall) {
  sink_.leave_when = [](const std::string&) { return true; };  // gone after the first write
  const auto outcome =
      stream(ScriptedReply::body({content_chunk("Once"), content_chunk(" upon")}).held_open());

  EXPECT_EQ(outcome.kind, HopOutcome::Kind::cancelled);
  EXPECT_FALSE(outcome.error);
  EXPECT_EQ(provider_.cancelled_calls, 1);
  EXPECT_EQ(sink_.wire, relayed(content_chunk("Once")));
  EXPECT_EQ(acc_.text(), "Once");  // what the user saw is what gets stored
}

INSTANTIATE_TEST_SUITE_P(SinkTakesAtOnceOrLater, HopStreamTest, ::testing::Bool());

}  // namespace
}  // namespace parley::chat
