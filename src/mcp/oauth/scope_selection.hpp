// Which scope to ask for (MCP 2025-11-25 "Scope Selection Strategy"): the scope of the server's challenge,
// else every scope its protected resource metadata lists, else none at all; offline_access only when the
// authorization server lists it (SEP-2207). On an insufficient_scope challenge (step-up) the new request
// asks for what was granted plus what the challenge names.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::mcp::oauth {

std::optional<std::string> select_scope(const std::optional<std::string>& challenge_scope,
                                        const std::optional<std::vector<std::string>>& resource_scopes,
                                        const std::optional<std::vector<std::string>>& server_scopes);
// Both lists of space-separated scopes, without repeats, in first-seen order.
std::string merge_scopes(std::string_view a, std::string_view b);
// Whether every scope of `needed` is in `granted`.
bool scope_covers(std::string_view granted, std::string_view needed);
std::vector<std::string> split_scope(std::string_view scope);

}  // namespace parley::mcp::oauth
