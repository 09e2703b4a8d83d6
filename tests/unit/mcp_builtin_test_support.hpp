// A tools/call through a built-in server's line handler, for the built-in server tests.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string_view>

#include "core/json.hpp"
#include "mcp/builtin/stdio_server.hpp"

namespace parley::mcp::builtin::test_support {

// The `result` of a tools/call of `tool` with `arguments`.
inline boost::json::object call(StdioServer& server, std::string_view tool,
                                const boost::json::object& arguments) {
  namespace bj = boost::json;
  const auto line =
      parley::json::serialize(bj::object{{"jsonrpc", "2.0"},
                                         {"id", 1},
                                         {"method", "tools/call"},
                                         {"params", bj::object{{"name", tool}, {"arguments", arguments}}}});
  auto out = server.handle_line(line);
  EXPECT_TRUE(out);
  if (!out) return {};
  return bj::parse(*out).at("result").as_object();
}

}  // namespace parley::mcp::builtin::test_support
