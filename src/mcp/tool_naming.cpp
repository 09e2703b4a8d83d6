#include "mcp/tool_naming.hpp"

#include <openssl/sha.h>

#include <algorithm>
#include <map>
#include <set>

namespace parley::mcp {

std::string sanitize_tool_name(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (const char c : name) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    out.push_back(ok ? c : '_');
  }
  if (out.empty()) out.push_back('_');
  if (out.size() > 64) {
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(name.data()), name.size(), digest);
    static const char hex[] = "0123456789abcdef";
    out.resize(55);
    out.push_back('_');
    for (int i = 0; i < 4; ++i) {
      out.push_back(hex[digest[i] >> 4]);
      out.push_back(hex[digest[i] & 0x0f]);
    }
  }
  return out;
}

std::string prefixed_tool_name(std::string_view prefix_or_id, std::string_view tool) {
  std::string full(prefix_or_id);
  full += "__";
  full += tool;
  return sanitize_tool_name(full);
}

std::vector<NamedTool> name_tools(const std::vector<NamingServer>& servers,
                                  std::vector<std::string>& warnings) {
  // Bare names among the candidates decide whether a tool needs its prefix.
  std::map<std::string, int> bare_counts;
  auto is_candidate = [&](const NamingServer& s, const std::string& tool) {
    return s.exposed && std::find(s.disabled.begin(), s.disabled.end(), tool) == s.disabled.end();
  };
  for (const auto& s : servers) {
    for (const auto& t : s.tools) {
      if (is_candidate(s, t)) ++bare_counts[t];
    }
  }
  std::vector<NamedTool> out;
  std::set<std::string> taken;
  for (std::size_t si = 0; si < servers.size(); ++si) {
    const auto& s = servers[si];
    for (std::size_t ti = 0; ti < s.tools.size(); ++ti) {
      const auto& tool = s.tools[ti];
      NamedTool named{si, ti, prefixed_tool_name(s.prefix_or_id, tool), false};
      if (is_candidate(s, tool)) {
        const bool bare = bare_counts[tool] == 1 && !s.has_tool_prefix;
        const std::string qualified = bare ? sanitize_tool_name(tool) : named.qualified_name;
        if (taken.insert(qualified).second) {
          named.qualified_name = qualified;
          named.exposed = true;
        } else {
          warnings.push_back("MCP tool '" + tool + "' of server '" + s.prefix_or_id +
                             "' is not exposed: its name '" + qualified +
                             "' is already used by another tool");
        }
      }
      out.push_back(std::move(named));
    }
  }
  return out;
}

}  // namespace parley::mcp
