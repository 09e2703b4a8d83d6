// Reads the members of an upstream chat-completions chunk that most chunks carry — the generation id, the
// model, each choice's finish_reason and its delta's content and reasoning text — straight from the JSON
// text, without a DOM or a JSON parser (P2: a DOM per relayed chunk was a quarter of the relay's CPU, then
// Boost.JSON's SAX parser a third). Any member the accumulator handles in another way (usage, meta, error,
// reasoning details, tool calls, annotations, images, messages, content parts, or a tracked member that
// repeats or has an unusual type) makes the scan give up, and the chunk is then parsed in full: both ways
// give the same result (tests/fuzz/hop_chunk_fuzz.cpp checks it).
#pragma once

#include <string>
#include <string_view>

namespace parley::llm {

struct ChunkScan {
  // Valid only when scan() returned true.
  std::string model, id, content, reasoning, finish_reason;
  bool has_model = false, has_id = false, has_reasoning = false, has_finish_reason = false;
  bool first_choice_delta = false;  // the first choice's delta carries content or reasoning text

  // True when `json` is a JSON object (valid by Boost.JSON's default rules, depth ≤ 64) that holds nothing
  // the scan does not cover; then the members above are set. False otherwise: invalid JSON, a value other
  // than an object, and valid text the scan leaves to the full parse (a \u escape of a surrogate, an escaped
  // key, an exponent of five digits or more, a number longer than 64 characters, nesting deeper than 32).
  //
  // A chunk that is the last chunk scanned (on this ChunkScan) with only its one content string changed —
  // most of a stream — is read by comparing the bytes around that string and scanning the string alone.
  bool scan(std::string_view json);

 private:
  bool like_the_last(std::string_view json);

  std::string last_;  // the last chunk scanned in full that had exactly one content string
  std::size_t content_begin_ = 0, content_end_ = 0;  // that string's token in last_, quotes included
  bool content_in_first_ = false;                    // it was in the first choice
  bool first_reasoning_ = false;                     // the first choice carried reasoning text
  bool shortcut_ = false;                            // last_ and the members above are set
};

}  // namespace parley::llm
