// Fuzz target for the relay's chunk reading (llm::HopAccumulator::add_common_chunk, llm::ChunkScan): upstream
// chunks, one per line. Accumulating them through the scan (falling back to a full parse when it gives up)
// must give exactly what a full parse of every chunk gives, and the scan's "carries a delta" must match the
// DOM's.
#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/json.hpp"
#include "fuzz_check.hpp"
#include "llm/chunk_scan.hpp"
#include "llm/hop_accumulator.hpp"

namespace {

namespace bj = boost::json;
using parley::llm::ChunkScan;
using parley::llm::HopAccumulator;

bool same(const HopAccumulator& a, const HopAccumulator& b) {
  return a.text() == b.text() && a.finish_reason() == b.finish_reason() && a.model() == b.model() &&
         a.usage() == b.usage() && a.meta() == b.meta() && a.generation_id() == b.generation_id() &&
         a.reasoning() == b.reasoning() && a.tool_calls() == b.tool_calls() && a.error() == b.error() &&
         a.reasoning_details() == b.reasoning_details() && a.annotations() == b.annotations() &&
         a.finished() == b.finished();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  // The scan inside add_common_chunk is per thread and keeps the last chunk for the next one: a chunk
  // without a content string clears that, so each input is read as if it were the first.
  {
    HopAccumulator scratch;
    bool delta = false;
    FUZZ_REQUIRE(scratch.add_common_chunk("{}", delta));
  }
  // The whole input as one chunk, newlines and all (the lines below never hold one), on a fresh scan.
  {
    ChunkScan fresh;
    if (fresh.scan(input)) {
      const auto dom = parley::json::parse(input);
      FUZZ_REQUIRE(dom.has_value());
      HopAccumulator parsed;
      parsed.add_chunk(*dom);
      FUZZ_REQUIRE(fresh.content == parsed.text());
    }
  }
  HopAccumulator scanned, parsed;
  std::size_t start = 0;
  while (start <= input.size()) {
    auto end = input.find('\n', start);
    if (end == std::string_view::npos) end = input.size();
    const auto chunk = input.substr(start, end - start);
    start = end + 1;
    const auto dom = parley::json::parse(chunk);
    bool delta = false;
    if (scanned.add_common_chunk(chunk, delta)) {
      FUZZ_REQUIRE(dom.has_value());  // the scan accepts only valid JSON
      FUZZ_REQUIRE(delta == parley::llm::carries_delta(*dom));
    } else if (dom) {
      scanned.add_chunk(*dom);
    }
    if (dom) parsed.add_chunk(*dom);
    FUZZ_REQUIRE(same(scanned, parsed));
  }
  return 0;
}
