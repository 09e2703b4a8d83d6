// Fuzz target for the head of an HTTP request as parley's server reads it: Beast's request parser with the
// server's header limit (net/http_server.cpp), read in pieces of any size, then the split of the target, the
// route table of api/routes.cpp (net::Router, percent-decoding of path parameters) and the query parameters.
#include <fuzzer/FuzzedDataProvider.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "api/routes.hpp"
#include "fuzz_check.hpp"
#include "net/http_server.hpp"
#include "net/http_types.hpp"
#include "net/router.hpp"

namespace {

namespace http = boost::beast::http;
using parley::net::RouteMatch;

const parley::net::Router& router() {
  static const auto table = [] {
    parley::net::Router r;
    for (const auto& row : parley::api::route_table())
      r.add({row.method, row.path, {}, row.body, row.access});
    return r;
  }();
  return table;
}

// What HttpSession::to_request takes from the parsed head.
parley::net::Request to_request(const http::request_header<>& h) {
  parley::net::Request r;
  r.method = std::string(h.method_string());
  r.target = std::string(h.target());
  const auto q = r.target.find('?');
  r.path = r.target.substr(0, q);
  if (q != std::string::npos) r.query = r.target.substr(q + 1);
  for (const auto& f : h) r.headers.add(std::string(f.name_string()), std::string(f.value()));
  r.host = std::string(h[http::field::host]);
  return r;
}

void check_route(const parley::net::Request& req) {
  const auto match = router().match(req.method, req.path);
  switch (match.kind) {
    case RouteMatch::Kind::found:
    case RouteMatch::Kind::bad_path: {
      FUZZ_REQUIRE(match.route != nullptr);
      FUZZ_REQUIRE(match.route->method == (req.method == "HEAD" ? std::string("GET") : req.method));
      for (const auto& [name, value] : match.params) {
        FUZZ_REQUIRE(!name.empty());
        if (match.kind == RouteMatch::Kind::found && name != "key") {
          // One segment's value: what a client encodes is what the handler gets back.
          std::string again;
          FUZZ_REQUIRE(parley::net::percent_decode(parley::net::percent_encode_segment(value), again) &&
                       again == value);
        }
      }
      break;
    }
    case RouteMatch::Kind::method_not_allowed:
      FUZZ_REQUIRE(match.route == nullptr && !match.allow.empty());
      // The Allow list names other methods only: the request's own would have been found.
      for (std::string_view allow = match.allow; !allow.empty();) {
        const auto comma = allow.find(", ");
        FUZZ_REQUIRE(allow.substr(0, comma) != req.method);
        allow = comma == std::string_view::npos ? std::string_view{} : allow.substr(comma + 2);
      }
      break;
    case RouteMatch::Kind::not_found:
      FUZZ_REQUIRE(match.route == nullptr && match.allow.empty());
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const auto cuts = in.ConsumeBytes<std::uint8_t>(in.ConsumeIntegralInRange<std::size_t>(0, 8));
  const auto bytes = in.ConsumeRemainingBytesAsString();

  http::request_parser<http::empty_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(parley::net::ServerOptions{}.header_limit));
  parser.eager(false);
  std::string buffer;  // what the session's flat_buffer holds: bytes read, not yet consumed by the parser
  std::string_view rest = bytes;
  std::size_t next_cut = 0;
  boost::beast::error_code ec;
  while (!parser.is_header_done()) {
    if (buffer.empty() || ec == http::error::need_more) {
      if (rest.empty()) return 0;  // the client stopped mid-head
      const std::size_t n = next_cut < cuts.size() ? std::size_t{cuts[next_cut++]} * 8 + 1 : rest.size();
      buffer.append(rest.substr(0, n));
      rest.remove_prefix(std::min(n, rest.size()));
    }
    ec = {};
    const auto used = parser.put(boost::asio::buffer(buffer), ec);
    buffer.erase(0, used);
    if (ec && ec != http::error::need_more) return 0;  // 400 or 431: nothing reaches the router
  }

  const auto req = to_request(parser.get().base());
  FUZZ_REQUIRE(!req.method.empty() && !req.target.empty());
  check_route(req);
  for (const auto& [name, value] : req.query_params()) (void)value;
  (void)req.query_param("sig");
  (void)req.headers.get("Content-Type");
  return 0;
}
