#include "llm/hop_accumulator.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

using parley::llm::HopAccumulator;
namespace bj = boost::json;

namespace {
void feed(HopAccumulator& acc, std::initializer_list<const char*> chunks) {
  for (const char* c : chunks) acc.add_chunk(bj::parse(c));
}
}  // namespace

TEST(HopAccumulator, CollectsTextFinishModelUsageAndGenerationId) {
  HopAccumulator acc;
  feed(acc,
       {R"({"id":"gen-1","model":"m/a","choices":[{"index":0,"delta":{"role":"assistant","content":""}}]})",
        R"({"id":"gen-1","model":"m/a","choices":[{"delta":{"content":"Hel"},"finish_reason":null}]})",
        R"({"id":"gen-1","model":"m/b","choices":[{"delta":{"content":"lo"},"finish_reason":"stop"}]})",
        R"({"id":"gen-1","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2,"cost":0.0001}})"});
  EXPECT_EQ(acc.text(), "Hello");
  EXPECT_EQ(acc.finish_reason(), "stop");
  EXPECT_TRUE(acc.finished());
  EXPECT_EQ(acc.model(), "m/b");
  EXPECT_EQ(acc.generation_id(), "gen-1");
  EXPECT_EQ(acc.usage().as_object().at("completion_tokens"), 2);
  EXPECT_TRUE(acc.meta().is_null());
  EXPECT_TRUE(acc.reasoning().is_null());
  EXPECT_TRUE(acc.tool_calls().is_null());
  EXPECT_FALSE(acc.error());
}

TEST(HopAccumulator, AssemblesToolCallsByIndexInTheModelsOrder) {
  HopAccumulator acc;
  feed(
      acc,
      {
          R"({"choices":[{"delta":{"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"calc__add","arguments":""}}]}}]})",
          R"({"choices":[{"delta":{"tool_calls":[{"index":1,"id":"call_b","function":{"name":"time__now","arguments":"{}"}}]}}]})",
          R"({"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"a\":"}}]}}]})",
          R"({"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":"1,\"b\":2}"},"rationale":"x"}]}}]})",
          R"({"choices":[{"delta":{"tool_calls":[{"index":2,"function":{"arguments":"{}"}}]}}]})",
          R"({"choices":[{"delta":{"tool_calls":[{"function":{"name":"no_index_no_id","arguments":"{}"}}]}}],"x":1})",
          R"({"choices":[{"delta":{},"finish_reason":"tool_calls"}]})",
      });
  const auto calls = acc.tool_calls();
  ASSERT_TRUE(calls.is_array());
  ASSERT_EQ(calls.as_array().size(), 3u);  // the nameless call at index 2 is dropped
  EXPECT_EQ(
      bj::serialize(calls.as_array()[0]),
      R"({"id":"call_a","type":"function","function":{"name":"calc__add","arguments":"{\"a\":1,\"b\":2}"}})");
  EXPECT_EQ(calls.as_array()[1].as_object().at("id"), "call_b");
  EXPECT_EQ(calls.as_array()[2].as_object().at("id"), "call_2");  // missing id -> call_<position>
}

TEST(HopAccumulator, ConcatenatesStreamedReasoningVerbatimAndDropsTheFinalCopy) {
  HopAccumulator acc;
  feed(
      acc,
      {R"({"choices":[{"delta":{"reasoning":"First, "}}]})",
       R"({"choices":[{"delta":{"reasoning":"think"}}]})",
       R"({"choices":[{"delta":{"reasoning":" hard. ","reasoning_details":[{"type":"reasoning.text","text":"x"}]}}]})",
       R"({"choices":[{"message":{"reasoning":"First, think hard."},"delta":{}}]})",
       R"({"reasoning":{"type":"summary","text":"A summary"}})",
       R"({"reasoning":[{"id":"r1","index":0,"foo":"bar"}]})"});
  EXPECT_EQ(
      bj::serialize(acc.reasoning()),
      R"([{"text":"First, think hard."},{"text":"A summary","type":"summary"},{"text":"{\"foo\":\"bar\"}"}])");
  EXPECT_EQ(acc.reasoning_details().size(), 1u);
}

TEST(HopAccumulator, RecordsInBandErrorsAndMeta) {
  HopAccumulator acc;
  feed(
      acc,
      {R"({"meta":{"citations":["a"]},"choices":[{"delta":{"content":"part"}}]})",
       R"({"error":{"code":502,"message":"Provider returned error","metadata":{"error_type":"provider_unavailable"}}})"});
  ASSERT_TRUE(acc.error());
  EXPECT_EQ(acc.error()->at("code"), 502);
  EXPECT_EQ(acc.meta().as_object().at("citations").as_array().size(), 1u);
  EXPECT_FALSE(acc.finished());
}

TEST(HopAccumulator, RoutingComesFromSelectedHeaders) {
  HopAccumulator acc;
  parley::net::Headers h;
  h.add("OpenRouter-Provider", "OpenAI");
  h.add("X-Request-Id", "abc");
  h.add("Via", "1.1 edge");
  h.add("Content-Type", "text/event-stream");
  acc.set_response_headers(h);
  EXPECT_EQ(bj::serialize(acc.routing()),
            R"({"openrouter-provider":"OpenAI","x-request-id":"abc","via":"1.1 edge"})");
  HopAccumulator none;
  none.set_response_headers(parley::net::Headers{});
  EXPECT_TRUE(none.routing().is_null());
}

TEST(HopAccumulator, IgnoresMalformedShapes) {
  HopAccumulator acc;
  feed(acc,
       {R"([1,2])", R"({"choices":"nope"})", R"({"choices":[1,{"delta":"x"},{"delta":{"content":7}}]})"});
  EXPECT_EQ(acc.text(), "");
  EXPECT_FALSE(acc.finished());
}

TEST(HopAccumulator, KeepsUrlCitationsOnceEachFromDeltasAndMessages) {
  HopAccumulator acc;
  feed(
      acc,
      {
          R"({"choices":[{"delta":{"content":"See [a](https://a.example)."}}]})",
          R"({"choices":[{"delta":{"annotations":[{"type":"url_citation","url_citation":{"url":"https://a.example","title":"A","content":"x","start_index":4,"end_index":26}}]}}]})",
          // The same source again (some providers repeat the list in every chunk), junk, and a new one.
          R"({"choices":[{"delta":{"annotations":[{"type":"url_citation","url_citation":{"url":"https://a.example","title":"A2"}},7,"s",null,{"type":"other"}]}}]})",
          R"({"choices":[{"delta":{"annotations":{"not":"a list"}},"message":{"annotations":[{"type":"url_citation","url_citation":{"url":"https://b.example"}},{"type":"other"}]},"finish_reason":"stop"}]})",
      });
  const auto& a = acc.annotations();
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[0].at("url_citation").at("title"), "A");
  EXPECT_EQ(a[1].at("type"), "other");
  EXPECT_EQ(a[2].at("url_citation").at("url"), "https://b.example");
}

TEST(HopAccumulator, BoundsTheAnnotationsOfAHostileStream) {
  HopAccumulator acc;
  for (int i = 0; i < 2000; ++i) {
    bj::object chunk{
        {"choices",
         bj::array{bj::object{
             {"delta", bj::object{{"annotations",
                                   bj::array{bj::object{
                                       {"type", "url_citation"},
                                       {"url_citation", bj::object{{"url", "https://x.example/" +
                                                                               std::to_string(i)}}}}}}}}}}}};
    acc.add_chunk(chunk);
  }
  EXPECT_EQ(acc.annotations().size(), 256u);
}

namespace {

// Accumulates each chunk through add_common_chunk, falling back to the full parse as hop_stream does.
void feed_text(HopAccumulator& acc, std::initializer_list<const char*> chunks) {
  for (const char* c : chunks) {
    bool delta = false;
    if (!acc.add_common_chunk(c, delta)) {
      boost::system::error_code ec;
      auto v = bj::parse(c, ec);
      if (!ec) acc.add_chunk(v);
    }
  }
}

void expect_same(const HopAccumulator& a, const HopAccumulator& b) {
  EXPECT_EQ(a.text(), b.text());
  EXPECT_EQ(a.finish_reason(), b.finish_reason());
  EXPECT_EQ(a.model(), b.model());
  EXPECT_EQ(a.usage(), b.usage());
  EXPECT_EQ(a.meta(), b.meta());
  EXPECT_EQ(a.generation_id(), b.generation_id());
  EXPECT_EQ(a.reasoning(), b.reasoning());
  EXPECT_EQ(a.tool_calls(), b.tool_calls());
  EXPECT_EQ(a.error(), b.error());
  EXPECT_EQ(a.reasoning_details(), b.reasoning_details());
  EXPECT_EQ(a.annotations(), b.annotations());
}

}  // namespace

TEST(HopAccumulator, CommonChunksAreReadWithoutAFullParse) {
  HopAccumulator acc;
  bool delta = true;
  ASSERT_TRUE(acc.add_common_chunk(
      R"({"id":"gen-1","object":"chat.completion.chunk","created":1,"model":"m/a","provider":"P","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null,"native_finish_reason":null,"logprobs":null}]})",
      delta));
  EXPECT_FALSE(delta);  // empty content is no output yet
  ASSERT_TRUE(acc.add_common_chunk(
      R"({"id":"gen-1","model":"m/a","choices":[{"index":0,"delta":{"content":"Hel\u006co \"w\""},"finish_reason":null}]})",
      delta));
  EXPECT_TRUE(delta);
  ASSERT_TRUE(acc.add_common_chunk(
      R"({"id":"gen-1","model":"m/b","choices":[{"delta":{"reasoning":"hm"},"finish_reason":"stop"}]})",
      delta));
  EXPECT_EQ(acc.text(), "Hello \"w\"");
  EXPECT_EQ(acc.model(), "m/b");
  EXPECT_EQ(acc.generation_id(), "gen-1");
  EXPECT_EQ(acc.finish_reason(), "stop");
  EXPECT_EQ(acc.reasoning(), bj::parse(R"([{"text":"hm"}])"));
}

TEST(HopAccumulator, ChunksWithOtherMembersAreLeftToTheFullParseAndChangeNothing) {
  for (const char* chunk : {
           R"({"id":"g","choices":[],"usage":{"prompt_tokens":3}})",
           R"({"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"name":"f"}}]}}]})",
           R"({"error":{"message":"no"},"choices":[]})",
           R"({"choices":[{"delta":{"content":"a","content":"b"}}]})",  // a DOM keeps only the last
           R"({"choices":[{"delta":{"content":[{"type":"text","text":"part"}]}}]})",
           R"({"choices":[{"delta":{"content":"x","images":[{"type":"image_url"}]}}]})",
           R"({"model":7,"choices":[]})",
           R"({"choices":[{"delta":{"content":"unterminated)",
           R"([{"choices":[]}])",
       }) {
    HopAccumulator acc;
    bool delta = false;
    EXPECT_FALSE(acc.add_common_chunk(chunk, delta)) << chunk;
    EXPECT_EQ(acc.text(), "") << chunk;
    EXPECT_TRUE(acc.model().is_null()) << chunk;
    EXPECT_TRUE(acc.generation_id().is_null()) << chunk;
  }
}

TEST(HopAccumulator, TheScanGivesWhatTheFullParseGives) {
  const std::initializer_list<const char*> stream = {
      R"({"id":"g","model":"m","choices":[{"delta":{"reasoning":"think","reasoning_details":[{"type":"reasoning.text","text":"think"}]}}]})",
      R"({"id":"g","model":"m","choices":[{"delta":{"reasoning":" more","content":null}}]})",
      R"({"id":"g","model":"m","choices":[{"delta":{"reasoning":"","content":"x"}},{"delta":{"content":"y","reasoning":"z"}}]})",
      R"({"choices":[5,{"delta":{"content":"after a non-object first choice"}}]})",
      R"({"choices":{"delta":{"content":"not an array"}},"model":"n"})",
      R"({"id":"x","id":"y","choices":[{"delta":{"content":"dup id"}}]})",
      R"({"choices":[{"delta":{"con\u0074ent":"escaped key","extra":{"content":"nested, ignored"}}}]})",
      R"("just a string")",
      R"({"choices":[{"delta":{"tool_calls":[{"index":0,"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]},"finish_reason":"tool_calls"}]})",
      R"({"id":"g","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2}})",
  };
  HopAccumulator scanned, parsed;
  feed_text(scanned, stream);
  feed(parsed, stream);
  expect_same(scanned, parsed);
  EXPECT_EQ(scanned.text(), "xyafter a non-object first choicedup idescaped key");
}

TEST(HopAccumulator, TheLastChoicesFinishReasonWinsInTheScanAsInTheFullParse) {
  for (const auto* chunk : {
           R"({"choices":[{"delta":{},"finish_reason":"stop"},{"delta":{},"finish_reason":"length"}]})",
           R"({"choices":[{"delta":{},"finish_reason":"stop"},{"delta":{},"finish_reason":null}]})",
           R"({"choices":[{"delta":{"content":"a"},"finish_reason":"length"},{"delta":{"content":"b"}}]})",
       }) {
    HopAccumulator scanned, parsed;
    feed_text(scanned, {chunk});
    feed(parsed, {chunk});
    expect_same(scanned, parsed);
  }
  HopAccumulator acc;
  feed_text(acc,
            {R"({"choices":[{"delta":{},"finish_reason":"stop"},{"delta":{},"finish_reason":"length"}]})"});
  EXPECT_EQ(acc.finish_reason(), "length");
}
