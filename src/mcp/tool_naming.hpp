// Which tools the model sees and under which names (api.md §7.4): bare names when unique, otherwise
// "<tool_prefix or id>__<name>", made valid for providers (^[A-Za-z0-9_-]{1,64}$), stable and unique.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace parley::mcp {

// Replaces characters outside [A-Za-z0-9_-] by '_'; longer than 64 characters: the first 55, '_' and the
// first 8 hex digits of the SHA-256 of the unsanitized name.
std::string sanitize_tool_name(std::string_view name);
// The name of a tool that is not exposed: "<prefix or id>__<name>", sanitized.
std::string prefixed_tool_name(std::string_view prefix_or_id, std::string_view tool);

struct NamingServer {
  std::string prefix_or_id;  // tool_prefix when set, else the id
  bool has_tool_prefix = false;
  bool exposed = false;               // enabled and connected
  std::vector<std::string> tools;     // listing order
  std::vector<std::string> disabled;  // bare names hidden from the model
};

struct NamedTool {
  std::size_t server = 0;  // index into the input
  std::size_t tool = 0;    // index into that server's tools
  std::string qualified_name;
  bool exposed = false;
};

// One entry per tool of every server, in input order. `warnings` receives one line per tool skipped because
// its qualified name was taken.
std::vector<NamedTool> name_tools(const std::vector<NamingServer>& servers,
                                  std::vector<std::string>& warnings);

}  // namespace parley::mcp
