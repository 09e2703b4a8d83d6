// Fuzz target for net::SseParser (upstream chat streams, MCP HTTP transports): any byte stream, cut into
// reads anywhere, must give the same events as when read whole, and every event must survive
// format_sse_event -> parse unchanged (parley re-frames what it relays).
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "fuzz_check.hpp"
#include "net/http_types.hpp"
#include "net/sse_parser.hpp"

namespace {

using parley::net::SseEvent;
using parley::net::SseParser;

struct Parsed {
  std::vector<SseEvent> events;
  bool within_limit = true;
};

bool same(const SseEvent& a, const SseEvent& b) {
  return a.event == b.event && a.data == b.data && a.id == b.id;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const auto limit = in.ConsumeIntegralInRange<std::size_t>(16, 4096);
  const auto cuts = in.ConsumeBytes<std::uint8_t>(in.ConsumeIntegralInRange<std::size_t>(0, 16));
  const std::string stream = in.ConsumeRemainingBytesAsString();

  Parsed whole;
  {
    SseParser parser(limit);
    whole.within_limit = parser.feed(stream, whole.events);
    if (whole.within_limit) parser.finish(whole.events);
  }

  // The same bytes in reads of the sizes the cuts name (1..256 bytes, then the rest).
  Parsed pieces;
  {
    SseParser parser(limit);
    std::string_view rest = stream;
    std::size_t next_cut = 0;
    while (!rest.empty() && pieces.within_limit) {
      const std::size_t n = next_cut < cuts.size() ? std::size_t{cuts[next_cut++]} + 1 : rest.size();
      const auto piece = rest.substr(0, n);
      rest.remove_prefix(piece.size());
      pieces.within_limit = parser.feed(piece, pieces.events);
    }
    if (pieces.within_limit) parser.finish(pieces.events);
  }

  FUZZ_REQUIRE(whole.within_limit == pieces.within_limit);
  if (!whole.within_limit) return 0;
  FUZZ_REQUIRE(whole.events.size() == pieces.events.size());
  for (std::size_t i = 0; i < whole.events.size(); ++i) FUZZ_REQUIRE(same(whole.events[i], pieces.events[i]));

  // Re-framing: what parley writes for an event reads back as the same event. (Ids and event names are
  // parley's own when it writes, so only events whose name and id are one line take part.)
  for (const auto& event : whole.events) {
    if (event.event.find_first_of("\r\n") != std::string::npos) continue;
    const std::string id = event.id.value_or("");
    if (id.find_first_of("\r\n") != std::string::npos) continue;
    SseParser reparser(std::string::npos);
    std::vector<SseEvent> again;
    FUZZ_REQUIRE(reparser.feed(parley::net::format_sse_event(event.event, event.data, id), again));
    reparser.finish(again);
    FUZZ_REQUIRE(again.size() == 1);
    FUZZ_REQUIRE(again[0].event == event.event && again[0].data == event.data);
    if (!id.empty()) FUZZ_REQUIRE(again[0].id == id);
  }
  return 0;
}
