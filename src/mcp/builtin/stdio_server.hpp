// The server side of MCP over stdio for parley's built-in servers: newline-delimited JSON-RPC 2.0 on
// stdin/stdout (initialize with version negotiation, ping, tools/list, tools/call, notifications/cancelled).
// Calls run on worker threads so a long PDF extraction does not hold up a ping; every other request is
// answered in order on the reading thread.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mcp/builtin/tool.hpp"

namespace parley::mcp::builtin {

// Protocol versions this server speaks, newest first (api.md §7.3).
const std::vector<std::string>& supported_protocol_versions();
// The client's version when supported, else the newest.
std::string negotiate_protocol_version(const bj::value* requested);

class StdioServer {
 public:
  StdioServer(ServerInfo info, std::vector<Tool> tools);

  // One message in, its answer out (nullopt for notifications and for anything that needs no answer).
  // tools/call runs inline here; serve() runs it on a worker instead.
  std::optional<std::string> handle_line(std::string_view line);

  // Serves until end of input, then waits for running calls and returns. A line longer than
  // max_line_bytes is discarded and answered with an Invalid Request error.
  void serve(std::istream& in, std::ostream& out, std::size_t max_parallel_calls = 4,
             std::size_t max_line_bytes = default_max_line_bytes);

  [[nodiscard]] const std::vector<Tool>& tools() const { return tools_; }

  static constexpr std::size_t default_max_line_bytes = 80u * 1024u * 1024u;  // a 50 MB file as base64 fits

 private:
  struct PendingCall {
    bj::value id;
    const Tool* tool = nullptr;
    bj::object arguments;
  };
  // Either an immediate answer (possibly none) or a call to run.
  struct Dispatch {
    std::optional<std::string> answer;
    std::optional<PendingCall> call;
  };
  Dispatch dispatch(std::string_view line);
  Dispatch dispatch_request(const bj::value& id, const std::string& method, const bj::value* params);
  void handle_notification(const std::string& method, const bj::value* params);
  std::string run_call(const PendingCall& call, const CallContext& context);

  ServerInfo info_;
  std::vector<Tool> tools_;
  bj::array tool_listing_;

  struct InFlight;
  std::shared_ptr<InFlight> in_flight_;
};

}  // namespace parley::mcp::builtin
