// llm::ChunkScan, the relay's reading of common upstream chunks without a DOM: what it reads must be what the
// full parse reads, it must accept only what Boost.JSON accepts, and where it gives up the full parse
// decides.
#include "llm/chunk_scan.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/json.hpp"
#include "llm/hop_accumulator.hpp"

namespace {

using parley::llm::ChunkScan;
using parley::llm::HopAccumulator;

// The chunk is scanned (true), and accumulating it gives what the full parse gives.
// Leaves the thread's scan inside add_common_chunk without a last chunk to compare with (a chunk without a
// content string is never kept), so that what follows is scanned in full.
void forget_the_last_chunk() {
  HopAccumulator scratch;
  bool delta = false;
  ASSERT_TRUE(scratch.add_common_chunk("{}", delta));
}

// The chunk is scanned (true) by a fresh scan and by the thread's scan, and accumulating it gives what the
// full parse gives.
void expect_scanned_as_parsed(const std::string& chunk) {
  const auto dom = parley::json::parse(chunk);
  ASSERT_TRUE(dom.has_value()) << chunk;
  forget_the_last_chunk();
  HopAccumulator scanned, parsed;
  bool delta = false;
  ASSERT_TRUE(scanned.add_common_chunk(chunk, delta)) << chunk;
  parsed.add_chunk(*dom);
  EXPECT_EQ(scanned.text(), parsed.text()) << chunk;
  EXPECT_EQ(scanned.model(), parsed.model()) << chunk;
  EXPECT_EQ(scanned.generation_id(), parsed.generation_id()) << chunk;
  EXPECT_EQ(scanned.finish_reason(), parsed.finish_reason()) << chunk;
  EXPECT_EQ(scanned.reasoning(), parsed.reasoning()) << chunk;
  EXPECT_EQ(delta, parley::llm::carries_delta(*dom)) << chunk;
  ChunkScan fresh;
  ASSERT_TRUE(fresh.scan(chunk)) << chunk;
  EXPECT_EQ(fresh.content, parsed.text()) << chunk;
}

std::string with_content(const std::string& json_string) {
  return R"({"id":"g","model":"m","choices":[{"index":0,"delta":{"content":)" + json_string +
         R"(},"finish_reason":null}]})";
}

}  // namespace

TEST(ChunkScan, ReadsEscapesAndUtf8AsTheFullParse) {
  for (
      const std::string& s : std::vector<std::string>{
          R"("plain")", R"("")", R"("line\nbreak\ttab \"quoted\" back\\slash \/ \b\f\r")",
          R"("\u0041\u00e9\u20ac\u0000\uFFFF")",
          "\"h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x99\x82 \xF4\x8F\xBF\xBF \xED\x9F\xBF\"",  // é € 🙂
                                                                                           // U+10FFFF U+D7FF
          R"("a string longer than a word, so that the scan steps over it eight bytes at a time: 0123456789")",
          "\"\\\\\\\"\"",  // \\ then \"
      }) {
    expect_scanned_as_parsed(with_content(s));
  }
  ChunkScan scan;
  ASSERT_TRUE(scan.scan(with_content(R"("x\u00e9\n\"")")));
  EXPECT_EQ(scan.content, "x\xC3\xA9\n\"");
  EXPECT_TRUE(scan.first_choice_delta);
}

TEST(ChunkScan, StepsOverEveryKindOfValueItDoesNotKeep) {
  for (
      const std::string& chunk : std::vector<std::string>{
          R"( { "id" : "g" , "choices" : [ { "delta" : { "content" : "x" } } ] } )",
          "\t{\r\n\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n",
          R"({"n":[0,-0,1.5,-2.25e+10,3E-3,1e0,123456789012345678901234567890,0.000001],"choices":[]})",
          R"({"x":{"a":[true,false,null,{"b":[[],{}]}],"c":"\u00e9\n"},"choices":[{"delta":{"content":"y"}}]})",
          R"({"choices":[{"logprobs":{"content":[{"token":"y","logprob":-0.5}]},"delta":{"content":"y"}}]})",
          R"({"id":7,"choices":"not an array","model":null})",
          R"({"choices":[null,{"delta":{"content":"second"}}]})",
          R"({"choices":[{"delta":"not an object","finish_reason":"stop"}]})",
          R"({"usage":null,"choices":[{"message":null,"delta":{"tool_calls":null,"images":null,"content":"z"}}]})",
          R"({"choices":[{"delta":{"reasoning":"","content":null}}]})",
          R"({})",
      }) {
    expect_scanned_as_parsed(chunk);
  }
}

TEST(ChunkScan, RefusesWhatIsNotJson) {
  // None of these is JSON to Boost.JSON either: the scan must not read a chunk the full parse refuses.
  std::string too_deep = R"({"choices":[],"x":)";
  for (int i = 0; i < 70; ++i) too_deep += R"({"k":)";
  too_deep += "1" + std::string(71, '}');
  for (const std::string& chunk : std::vector<std::string>{
           R"({"choices":[],})",
           R"({"choices":[1,]})",
           R"({"n":01,"choices":[]})",
           R"({"n":1.,"choices":[]})",
           R"({"n":.5,"choices":[]})",
           R"({"n":-,"choices":[]})",
           R"({"n":1e,"choices":[]})",
           R"({"n":+1,"choices":[]})",
           R"({"n":NaN,"choices":[]})",
           R"({"n":tru,"choices":[]})",
           R"({"choices":[{"delta":{"content":"unterminated}}]})",
           "{\"choices\":[{\"delta\":{\"content\":\"raw\ttab\"}}]}",
           R"({"choices":[{"delta":{"content":"bad \x escape"}}]})",
           R"({"choices":[{"delta":{"content":"bad \u12G4 escape"}}]})",
           R"({"choices":[{"delta":{"content":"short \u12"}}]})",
           "{\"choices\":[{\"delta\":{\"content\":\"overlong \xC0\x80\"}}]}",
           "{\"choices\":[{\"delta\":{\"content\":\"surrogate \xED\xA0\x80\"}}]}",
           "{\"choices\":[{\"delta\":{\"content\":\"above U+10FFFF \xF4\x90\x80\x80\"}}]}",
           "{\"choices\":[{\"delta\":{\"content\":\"truncated \xE2\x82\"}}]}",
           "{\"choices\":[{\"delta\":{\"content\":\"lone continuation \x80\"}}]}",
           "{\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\xC3\xA9",
           R"({"choices":[]} trailing)",
           R"({"choices":[]}{})",
           R"({'choices':[]})",
           R"({"choices":[] /* comment */})",
           R"({"choices" [})",
           "{\"choices\":[{\"delta\":{\"content\":\"raw\nnewline\"}}]}",
           std::string(70, '[') + std::string(70, ']'),
           too_deep,
           "",
           "   ",
       }) {
    ASSERT_FALSE(parley::json::parse(chunk).has_value()) << chunk;
    ChunkScan scan;
    EXPECT_FALSE(scan.scan(chunk)) << chunk;
  }
}

TEST(ChunkScan, LeavesTheUnusualToTheFullParse) {
  // Valid JSON the scan does not read itself: the caller parses these in full.
  std::string deep = R"({"x":)";
  for (int i = 0; i < 40; ++i) deep += "[";
  for (int i = 0; i < 40; ++i) deep += "]";
  deep += R"(,"choices":[]})";
  std::string deep_objects = R"({"choices":[],"x":)";
  for (int i = 0; i < 40; ++i) deep_objects += R"({"k":)";
  deep_objects += "1";
  for (int i = 0; i < 40; ++i) deep_objects += "}";
  deep_objects += "}";
  for (const std::string& chunk : std::vector<std::string>{
           with_content(R"("\ud83d\ude42")"),                            // a surrogate pair
           R"({"x":"\ud83d\ude42","choices":[]})",                       // also in a value not kept
           R"({"n":1e12345,"choices":[]})",                              // an exponent of five digits
           R"({"choices":[{"delta":{"con\u0074ent":"escaped key"}}]})",  // could name a tracked member
           R"({"model":"a","model":"b","choices":[]})",                  // a DOM keeps the last
           R"({"choices":[{"delta":{"content":{"not":"a string"}}}]})",
           R"({"choices":[{"finish_reason":7}]})",
           R"({"usage":{"prompt_tokens":1},"choices":[]})",
           R"({"choices":[{"message":{"content":"whole"}}]})",
           R"(["not an object"])",
           deep,
           deep_objects,
       }) {
    ASSERT_TRUE(parley::json::parse(chunk).has_value()) << chunk;
    ChunkScan scan;
    EXPECT_FALSE(scan.scan(chunk)) << chunk;
  }
}

TEST(ChunkScan, AChunkLikeTheLastIsReadAsAFreshScanReadsIt) {
  // A stream's chunks differ in their content string only; the scan then compares the bytes around it with
  // the last chunk's instead of scanning them again. Whatever lies between must still be read right.
  const std::string before =
      R"({"id":"gen-1","provider":"P","model":"m/a","object":"chat.completion.chunk","created":1,"choices":[{"index":0,"delta":{"role":"assistant","content":)";
  const std::string after = R"(},"finish_reason":null,"native_finish_reason":null,"logprobs":null}]})";
  std::vector<std::string> chunks;
  for (const std::string middle : {
           R"("")",
           R"("Hello")",
           R"(" wor\u006cd")",
           R"("\n\"q\"\\")",
           "\"h\xC3\xA9 \xF0\x9F\x99\x82\"",
           R"("")",
           R"("x","extra":"y")",                // two values where the string was
           R"("a"}},{"delta":{"content":"b")",  // a second choice
           R"("a","content":"b")",              // a repeated member
           R"(null)",                           // not a string
           R"("same again")",                   //
           R"("bad \x escape")",                // invalid JSON
           R"("ok1")",               // each refused middle below follows a chunk kept for the shortcut
           "\"raw\ttab\"",           // invalid JSON
           R"("ok2")",               //
           "\"overlong \xC0\x80\"",  // invalid JSON
           R"("ok3")",               //
           R"("unterminated)",       // invalid JSON
           R"("ok4")",               //
           R"("\ud83d\ude42")",      // left to the full parse
           R"("ok5")",               //
           R"("a\")",                // the quote ending the string is escaped: invalid JSON
           R"("after the failures")",
       }) {
    chunks.push_back(before + middle + after);
  }
  chunks.push_back(
      R"({"id":"gen-1","provider":"P","model":"m/b","object":"chat.completion.chunk","created":1,"choices":[{"index":0,"delta":{"role":"assistant","content":"other model"},"finish_reason":null,"native_finish_reason":null,"logprobs":null}]})");
  chunks.push_back(before +
                   R"("done"},"finish_reason":"stop","native_finish_reason":"stop","logprobs":null}]})");
  chunks.push_back(
      before + R"("done again"},"finish_reason":"stop","native_finish_reason":"stop","logprobs":null}]})");
  // Content in a choice other than the first: no delta of the first choice.
  chunks.push_back(R"({"choices":[{"delta":{}},{"delta":{"content":"x"}}]})");
  chunks.push_back(R"({"choices":[{"delta":{}},{"delta":{"content":"y"}}]})");
  // Two content strings: never kept for the shortcut (it would lose the first).
  chunks.push_back(R"({"choices":[{"delta":{"content":"a"}},{"delta":{"content":"b"}}]})");
  chunks.push_back(R"({"choices":[{"delta":{"content":"a"}},{"delta":{"content":"c"}}]})");
  // Reasoning text in the first choice is a delta also when the new content string is empty.
  chunks.push_back(R"({"id":"g","choices":[{"delta":{"reasoning":"think","content":"x"}}]})");
  chunks.push_back(R"({"id":"g","choices":[{"delta":{"reasoning":"think","content":""}}]})");

  ChunkScan streamed;
  HopAccumulator scanned, parsed;
  for (const auto& chunk : chunks) {
    ChunkScan fresh;
    const bool ok = streamed.scan(chunk);
    ASSERT_EQ(ok, fresh.scan(chunk)) << chunk;
    if (ok) {
      EXPECT_EQ(streamed.content, fresh.content) << chunk;
      EXPECT_EQ(streamed.model, fresh.model) << chunk;
      EXPECT_EQ(streamed.id, fresh.id) << chunk;
      EXPECT_EQ(streamed.reasoning, fresh.reasoning) << chunk;
      EXPECT_EQ(streamed.finish_reason, fresh.finish_reason) << chunk;
      EXPECT_EQ(streamed.has_model, fresh.has_model) << chunk;
      EXPECT_EQ(streamed.has_id, fresh.has_id) << chunk;
      EXPECT_EQ(streamed.has_reasoning, fresh.has_reasoning) << chunk;
      EXPECT_EQ(streamed.has_finish_reason, fresh.has_finish_reason) << chunk;
      EXPECT_EQ(streamed.first_choice_delta, fresh.first_choice_delta) << chunk;
    }
    const auto dom = parley::json::parse(chunk);
    bool delta = false;
    if (scanned.add_common_chunk(chunk, delta)) {
      ASSERT_TRUE(dom.has_value()) << chunk;
      EXPECT_EQ(delta, parley::llm::carries_delta(*dom)) << chunk;
    } else if (dom) {
      scanned.add_chunk(*dom);
    }
    if (dom) parsed.add_chunk(*dom);
    EXPECT_EQ(scanned.text(), parsed.text()) << chunk;
    EXPECT_EQ(scanned.model(), parsed.model()) << chunk;
    EXPECT_EQ(scanned.finish_reason(), parsed.finish_reason()) << chunk;
    EXPECT_EQ(scanned.reasoning(), parsed.reasoning()) << chunk;
  }
  // "x", the two choices' "a" and "b", the repeated member's last "b" (a DOM keeps the last one), ...
  EXPECT_EQ(parsed.text(),
            "Hello world\n\"q\"\\h\xC3\xA9 \xF0\x9F\x99\x82"
            "xabbsame againok1ok2ok3ok4\xF0\x9F\x99\x82"
            "ok5after the failuresother modeldonedone againxyabacx");
}
