// Fuzz target for the JSON-RPC framing of MCP (mcp/json_rpc): what a server writes on stdout (one message
// per line) or answers over HTTP (a JSON body or an event stream) is classified without trusting its shape,
// and parley's answers to it (by the id it sent) read back as answers to that id.
#include <fuzzer/FuzzedDataProvider.h>

#include <boost/json.hpp>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "fuzz_check.hpp"
#include "mcp/json_rpc.hpp"
#include "net/sse_parser.hpp"

namespace {

namespace bj = boost::json;
namespace rpc = parley::mcp::rpc;
using Kind = rpc::Incoming::Kind;

void check_answer(const std::string& answer, const bj::value& raw_id) {
  const auto back = rpc::parse(answer);
  FUZZ_REQUIRE(back.size() == 1);
  const auto expected = rpc::numeric_id(raw_id);
  if (expected) {
    FUZZ_REQUIRE(back[0].kind == Kind::response && back[0].id == expected);
  } else {
    FUZZ_REQUIRE(back[0].kind == Kind::invalid);
  }
}

void check_incoming(const rpc::Incoming& in) {
  switch (in.kind) {
    case Kind::response:
      FUZZ_REQUIRE(in.id.has_value() && (in.result.has_value() || in.error.has_value()));
      if (in.error) (void)rpc::describe_error(*in.error);
      break;
    case Kind::request:
      FUZZ_REQUIRE(!in.raw_id.is_null());
      check_answer(rpc::result_response(in.raw_id, bj::object{}), in.raw_id);
      check_answer(rpc::error_response(in.raw_id, rpc::method_not_found, "Method not found: " + in.method),
                   in.raw_id);
      break;
    case Kind::notification:
      break;
    case Kind::invalid:
      FUZZ_REQUIRE(!in.problem.empty());
      break;
  }
}

// What the transports do with one complete message text.
void deliver(std::string_view text) {
  const auto value = parley::json::parse(text);
  const auto direct = rpc::parse(text);
  FUZZ_REQUIRE(!direct.empty());
  if (!value) {
    FUZZ_REQUIRE(direct.size() == 1 && direct[0].kind == Kind::invalid);
    return;
  }
  const auto items = rpc::classify(*value);
  FUZZ_REQUIRE(items.size() == direct.size());
  for (const auto& item : items) check_incoming(item);
}

// stdio: one message per line, CR LF tolerated, blank lines skipped (mcp/stdio_transport.cpp).
void stdio_lines(std::string_view out) {
  while (!out.empty()) {
    const auto nl = out.find('\n');
    auto line = out.substr(0, nl);
    out = nl == std::string_view::npos ? std::string_view{} : out.substr(nl + 1);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    deliver(line);
  }
}

// Streamable HTTP: an event stream of "message" events (mcp/http_transport.cpp).
void event_stream(std::string_view body) {
  parley::net::SseParser parser;
  std::vector<parley::net::SseEvent> events;
  parser.feed(body, events);
  parser.finish(events);
  for (const auto& e : events)
    if (e.event == "message") deliver(e.data);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const auto mode = in.ConsumeIntegralInRange<int>(0, 3);
  const auto text = in.ConsumeRemainingBytesAsString();
  switch (mode) {
    case 0:
      stdio_lines(text);
      break;
    case 1:
      event_stream(text);
      break;
    case 2:
      deliver(text);  // an application/json body
      break;
    default: {
      // parley's own messages read back as what they are. (Its method names are valid UTF-8.)
      const auto id = static_cast<std::int64_t>(text.size()) * 7919 - 3;
      const auto method = text.substr(0, text.size() / 2);
      if (!parley::json::is_valid_utf8(text) || !parley::json::is_valid_utf8(method)) break;
      const auto request = rpc::parse(rpc::request(id, method, bj::object{{"x", text}}));
      FUZZ_REQUIRE(request.size() == 1 && request[0].kind == Kind::request && request[0].method == method &&
                   rpc::numeric_id(request[0].raw_id) == id);
      const auto note = rpc::parse(rpc::notification(method, {}));
      FUZZ_REQUIRE(note.size() == 1 && note[0].kind == Kind::notification && note[0].method == method);
      break;
    }
  }
  return 0;
}
