#include "mcp/oauth/scope_selection.hpp"

#include <algorithm>

namespace parley::mcp::oauth {

std::vector<std::string> split_scope(std::string_view scope) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < scope.size()) {
    while (i < scope.size() && (scope[i] == ' ' || scope[i] == '\t')) ++i;
    const auto start = i;
    while (i < scope.size() && scope[i] != ' ' && scope[i] != '\t') ++i;
    if (i > start) {
      std::string word(scope.substr(start, i - start));
      if (std::find(out.begin(), out.end(), word) == out.end()) out.push_back(std::move(word));
    }
  }
  return out;
}

std::string merge_scopes(std::string_view a, std::string_view b) {
  auto words = split_scope(a);
  for (auto& w : split_scope(b)) {
    if (std::find(words.begin(), words.end(), w) == words.end()) words.push_back(std::move(w));
  }
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

bool scope_covers(std::string_view granted, std::string_view needed) {
  const auto have = split_scope(granted);
  for (const auto& w : split_scope(needed)) {
    if (std::find(have.begin(), have.end(), w) == have.end()) return false;
  }
  return true;
}

std::optional<std::string> select_scope(const std::optional<std::string>& challenge_scope,
                                        const std::optional<std::vector<std::string>>& resource_scopes,
                                        const std::optional<std::vector<std::string>>& server_scopes) {
  std::string scope;
  if (challenge_scope && !split_scope(*challenge_scope).empty()) {
    scope = merge_scopes(*challenge_scope, "");
  } else if (resource_scopes && !resource_scopes->empty()) {
    for (const auto& s : *resource_scopes) scope = merge_scopes(scope, s);
  }
  // A refresh token lets parley keep the server connected without asking the person again.
  if (!scope.empty() && server_scopes &&
      std::find(server_scopes->begin(), server_scopes->end(), "offline_access") != server_scopes->end()) {
    scope = merge_scopes(scope, "offline_access");
  }
  if (scope.empty()) return std::nullopt;
  return scope;
}

}  // namespace parley::mcp::oauth
