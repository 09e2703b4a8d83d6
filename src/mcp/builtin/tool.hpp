// What a built-in MCP server is made of: tools (name, description, input schema, handler) and the helpers
// that shape a tools/call result (text, JSON with structuredContent, or an isError result).
#pragma once

#include <atomic>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::mcp::builtin {

namespace bj = boost::json;

// Handed to a running tool: set when the client sent notifications/cancelled for this call. Long tools (PDF
// extraction) check it between pages and give up early.
class CallContext {
 public:
  CallContext() = default;
  explicit CallContext(const std::atomic<bool>* cancelled) : cancelled_(cancelled) {}
  [[nodiscard]] bool cancelled() const { return cancelled_ != nullptr && cancelled_->load(); }

 private:
  const std::atomic<bool>* cancelled_ = nullptr;
};

// A CallToolResult object: {"content":[...], "isError": bool, "structuredContent"?}.
using ToolHandler = std::function<bj::object(const bj::object& arguments, const CallContext& context)>;

struct Tool {
  std::string name;
  std::string description;
  bj::object input_schema;  // a JSON Schema object ({"type":"object",...})
  ToolHandler handler;
};

struct ServerInfo {
  std::string name;     // serverInfo.name, e.g. "parley-calculator"
  std::string version;  // serverInfo.version
  std::string instructions;
};

// {"content":[{"type":"text","text":text}],"isError":false}
bj::object text_result(std::string_view text);
// The object as JSON text content plus structuredContent (clients that read either see the same data).
bj::object json_result(const bj::object& data);
// {"content":[{"type":"text","text":message}],"isError":true}: a tool failure the model can read and act on.
bj::object error_result(std::string_view message);

// Parses a JSON Schema written as a string literal in a server file; a malformed literal is a bug (throws).
bj::object schema(std::string_view json_text);

}  // namespace parley::mcp::builtin
