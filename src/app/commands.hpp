// The commands behind the CLI: each returns the process exit code.
#pragma once

#include <string>
#include <vector>

namespace parley::app {

int serve();
int set_password(bool from_stdin);
// `parley mcp tools|call`: `server` is a configured id or a URL, or `command` (given after `--`) is set.
int mcp_tools(const std::string& server, const std::vector<std::string>& command);
int mcp_call(const std::string& server, const std::vector<std::string>& command, const std::string& tool,
             const std::string& arguments_json);

}  // namespace parley::app
