#include "net/sse_parser.hpp"

#include <gtest/gtest.h>

#include "net/http_types.hpp"

using parley::net::SseEvent;
using parley::net::SseParser;

namespace {

std::vector<SseEvent> parse_in_pieces(std::string_view text, std::size_t piece) {
  SseParser p;
  std::vector<SseEvent> out;
  for (std::size_t i = 0; i < text.size(); i += piece) EXPECT_TRUE(p.feed(text.substr(i, piece), out));
  p.finish(out);
  return out;
}

}  // namespace

TEST(SseParser, ParsesTheOpenRouterShapeAtEverySplitPoint) {
  const std::string text =
      ": OPENROUTER PROCESSING\n\n"
      "data: {\"id\":\"gen-1\",\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\n"
      "id: 7\r\nevent: custom\r\ndata: line one\r\ndata: line two\r\n\r\n"
      "data:no-space\rdata:  two spaces\r\r"
      "data: [DONE]\n\n";
  for (std::size_t piece = 1; piece <= text.size(); ++piece) {
    const auto events = parse_in_pieces(text, piece);
    ASSERT_EQ(events.size(), 4u) << "piece " << piece;
    EXPECT_EQ(events[0].event, "message");
    EXPECT_EQ(events[0].data, R"({"id":"gen-1","choices":[{"delta":{"content":"Hi"}}]})");
    EXPECT_FALSE(events[0].id);
    EXPECT_EQ(events[1].event, "custom");
    EXPECT_EQ(events[1].data, "line one\nline two");
    EXPECT_EQ(events[1].id, "7");
    EXPECT_EQ(events[2].data, "no-space\n two spaces");
    EXPECT_EQ(events[3].data, "[DONE]");
  }
}

TEST(SseParser, CountsCommentsAndKeepsRetryAndLastId) {
  SseParser p;
  std::vector<SseEvent> out;
  p.feed(": a\n: b\nretry: 2500\nid: x1\ndata: d\n\nretry: nope\n\n", out);
  EXPECT_EQ(p.comment_count(), 2u);
  EXPECT_EQ(p.retry_ms(), 2500);
  EXPECT_EQ(p.last_event_id(), "x1");
  ASSERT_EQ(out.size(), 1u);
}

TEST(SseParser, EventsWithoutDataAreNotDispatched) {
  const auto events = parse_in_pieces("event: ping\n\nid: 3\n\ndata\n\n", 3);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "");  // a bare "data" field is an empty data line
}

TEST(SseParser, AFinalEventWithoutBlankLineIsDispatchedAtTheEnd) {
  const auto events = parse_in_pieces("data: one\n\ndata: last", 4);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].data, "last");
}

TEST(SseParser, IgnoresALeadingByteOrderMarkAndUnknownFields) {
  const auto events = parse_in_pieces(
      "\xEF\xBB\xBF"
      "foo: bar\ndata: x\n\n",
      1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "x");
}

TEST(SseParser, RefusesAnEventPastTheSizeLimit) {
  SseParser p(64);
  std::vector<SseEvent> out;
  EXPECT_TRUE(p.feed("data: short\n\n", out));
  EXPECT_FALSE(p.feed("data: " + std::string(100, 'x'), out));
}

TEST(SseParser, KeepsEventsBeforeAnOversizedOneAndRefusesEverythingAfterIt) {
  SseParser p(64);
  std::vector<SseEvent> out;
  EXPECT_FALSE(p.feed("data: first\n\ndata: " + std::string(100, 'x'), out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data, "first");
  EXPECT_TRUE(p.oversized());
  // The rest of the oversized event, and whatever follows, is refused without being kept.
  EXPECT_FALSE(p.feed(std::string(100, 'x') + "\n\ndata: later\n\n", out));
  p.finish(out);
  EXPECT_EQ(out.size(), 1u);
  EXPECT_EQ(parley::net::describe_event_limit(32 * 1024 * 1024), "larger than 32 MiB");
  EXPECT_EQ(parley::net::describe_event_limit(64), "larger than 64 bytes");
}

TEST(SseParser, KeepsTheLastEventIdForReconnection) {
  SseParser p;
  std::vector<SseEvent> out;
  EXPECT_FALSE(p.last_event_id());
  p.feed(": keep-alive\r\nid: 7\r\nretry: 2500\r\nevent: endpoint\r\ndata: /message?x=1\r\n\r\n", out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].event, "endpoint");
  EXPECT_EQ(p.last_event_id(), "7");
  EXPECT_EQ(p.retry_ms(), 2500);
}

// Found by tests/fuzz/sse_parser_fuzz (corpus/sse_parser/regress-trailing-line-break): a relayed event whose
// data ends in a line break ("data: x\ndata:\n\n") lost that line break when parley wrote it out again.
TEST(SseParser, AnEventParleyRelaysReadsBackWithItsData) {
  for (const std::string data : {"x\n", "\n", "a\n\nb\n\n", "last line empty\n", ""}) {
    SseParser p;
    std::vector<SseEvent> out;
    ASSERT_TRUE(p.feed(parley::net::format_sse_event("message", data), out));
    p.finish(out);
    ASSERT_EQ(out.size(), 1u) << data;
    EXPECT_EQ(out[0].data, data);
  }
}

// Found by tests/fuzz/sse_parser_fuzz (corpus/sse_parser/regress-split-byte-order-mark): a BOM whose bytes
// arrived in two reads was taken for text, so the stream's first field ("event: endpoint") was lost.
TEST(SseParser, ALeadingByteOrderMarkIsIgnoredAtEverySplitPoint) {
  const std::string text =
      "\xEF\xBB\xBF"
      "event: endpoint\r\ndata: /messages\r\n\r\n";
  for (std::size_t piece = 1; piece <= text.size(); ++piece) {
    const auto events = parse_in_pieces(text, piece);
    ASSERT_EQ(events.size(), 1u) << "piece " << piece;
    EXPECT_EQ(events[0].event, "endpoint") << "piece " << piece;
    EXPECT_EQ(events[0].data, "/messages");
  }
  // Bytes that only begin like a BOM are the first line's.
  const auto not_a_bom = parse_in_pieces(
      "\xEF\xBB"
      "data: x\n\n",
      1);
  EXPECT_TRUE(not_a_bom.empty());  // the field is "\xEF\xBBdata", unknown
  SseParser p;
  std::vector<SseEvent> out;
  EXPECT_TRUE(p.feed("\xEF", out));
  p.finish(out);
  EXPECT_TRUE(out.empty());
}
