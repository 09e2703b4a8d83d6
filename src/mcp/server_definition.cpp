#include "mcp/server_definition.hpp"

#include <algorithm>
#include <set>

namespace parley::mcp {

namespace bj = boost::json;

bool ServerDefinition::same_connection(const ServerDefinition& o) const {
  return module == o.module && command == o.command && url == o.url && headers == o.headers && cwd == o.cwd &&
         env == o.env && oauth == o.oauth;
}

std::optional<std::string> builtin_server_name(std::string_view module) {
  static const char* const names[] = {"calculator", "housekeeping", "pdf", "calendar", "gmail", "gdrive"};
  for (const char* name : names) {
    if (module == name) return std::string(name);
    if (module == std::string("backend.mcp_servers.") + name + "_server") return std::string(name);
  }
  return std::nullopt;
}

std::optional<std::vector<std::string>> split_command_line(std::string_view text, std::string* error) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (in_word) words.push_back(std::move(word)), word.clear(), in_word = false;
    } else if (c == '\'') {
      const auto end = text.find('\'', i + 1);
      if (end == std::string_view::npos) {
        if (error) *error = "unterminated single quote";
        return std::nullopt;
      }
      word.append(text.substr(i + 1, end - i - 1));
      in_word = true;
      i = end;
    } else if (c == '"') {
      in_word = true;
      ++i;
      for (; i < text.size() && text[i] != '"'; ++i) {
        // Inside double quotes a backslash only escapes these characters, as in a POSIX shell.
        if (text[i] == '\\' && i + 1 < text.size() &&
            std::string_view("\"\\$`\n").find(text[i + 1]) != std::string_view::npos) {
          ++i;
        }
        word.push_back(text[i]);
      }
      if (i >= text.size()) {
        if (error) *error = "unterminated double quote";
        return std::nullopt;
      }
    } else if (c == '\\') {
      if (i + 1 >= text.size()) {
        if (error) *error = "trailing backslash";
        return std::nullopt;
      }
      word.push_back(text[++i]);
      in_word = true;
    } else {
      word.push_back(c);
      in_word = true;
    }
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

namespace {

bj::array at(const bj::array& base, std::string_view key) {
  bj::array a = base;
  a.emplace_back(key);
  return a;
}

std::optional<std::string> read_optional_string(const bj::value& v, const bj::array& where,
                                                ValidationErrors& errors, bool& ok) {
  if (v.is_null()) return std::nullopt;
  if (!v.is_string()) {
    errors.add("string_type", where, "Input should be a valid string", v);
    ok = false;
    return std::nullopt;
  }
  return std::string(v.get_string());
}

std::optional<std::map<std::string, std::string>> read_string_map(const bj::value& v, const bj::array& where,
                                                                  ValidationErrors& errors, bool& ok) {
  if (v.is_null()) return std::nullopt;
  if (!v.is_object()) {
    errors.add("dict_type", where, "Input should be a valid dictionary", v);
    ok = false;
    return std::nullopt;
  }
  std::map<std::string, std::string> out;
  for (const auto& [k, item] : v.get_object()) {
    if (!item.is_string()) {
      errors.add("string_type", at(where, k), "Input should be a valid string", item);
      ok = false;
      continue;
    }
    out[std::string(k)] = std::string(item.get_string());
  }
  return out;
}

// An array of strings or one string; `drop_non_strings` for disabled_tools (non-string items are dropped).
std::optional<std::vector<std::string>> read_string_list(const bj::value& v, const bj::array& where,
                                                         ValidationErrors& errors, bool& ok,
                                                         bool drop_non_strings) {
  if (v.is_null()) return std::nullopt;
  if (v.is_string()) return std::vector<std::string>{std::string(v.get_string())};
  if (!v.is_array()) {
    errors.add("list_type", where, "Input should be a valid list", v);
    ok = false;
    return std::nullopt;
  }
  std::vector<std::string> out;
  std::size_t index = 0;
  for (const auto& item : v.get_array()) {
    if (item.is_string()) {
      out.emplace_back(item.get_string());
    } else if (!drop_non_strings) {
      bj::array w = where;
      w.emplace_back(index);
      errors.add("string_type", w, "Input should be a valid string", item);
      ok = false;
    }
    ++index;
  }
  return out;
}

std::vector<std::string> dedupe_keep_order(std::vector<std::string> in) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (auto& s : in) {
    if (seen.insert(s).second) out.push_back(std::move(s));
  }
  return out;
}

std::vector<std::string> sorted_set(std::vector<std::string> in) {
  std::sort(in.begin(), in.end());
  in.erase(std::unique(in.begin(), in.end()), in.end());
  return in;
}

const std::set<std::string>& known_keys() {
  static const std::set<std::string> keys{
      "id",          "enabled",        "module",   "command",        "url",  "headers", "cwd", "env",
      "tool_prefix", "disabled_tools", "contexts", "tool_overrides", "oauth"};
  return keys;
}

// Reads one field into `def`; shared by full parsing and PATCH.
void read_field(std::string_view key, const bj::value& v, const bj::array& where, ServerDefinition& def,
                ValidationErrors& errors, bool& ok) {
  if (key == "id") {
    if (!v.is_string()) {
      errors.add("string_type", where, "Input should be a valid string", v);
      ok = false;
    } else {
      def.id = std::string(v.get_string());
      if (def.id.empty() || def.id.size() > 100) {
        errors.add(def.id.empty() ? "string_too_short" : "string_too_long", where,
                   "The server id must have 1 to 100 characters", v);
        ok = false;
      }
    }
  } else if (key == "enabled") {
    if (v.is_bool()) {
      def.enabled = v.get_bool();
    } else if (v.is_string() && (v.get_string() == "true" || v.get_string() == "false")) {
      def.enabled = v.get_string() == "true";
    } else if (!v.is_null()) {
      errors.add("bool_parsing", where, "Input should be a valid boolean", v);
      ok = false;
    }
  } else if (key == "module") {
    def.module = read_optional_string(v, where, errors, ok);
  } else if (key == "command") {
    if (v.is_string()) {
      std::string why;
      auto words = split_command_line(v.get_string(), &why);
      if (!words) {
        errors.add("value_error", where, "The command cannot be split into words: " + why, v);
        ok = false;
      } else {
        def.command = std::move(*words);
      }
    } else {
      def.command = read_string_list(v, where, errors, ok, false);
    }
    if (def.command && def.command->empty()) {
      errors.add("value_error", where, "The command must not be empty", v);
      ok = false;
    }
  } else if (key == "url") {
    def.url = read_optional_string(v, where, errors, ok);
  } else if (key == "headers") {
    def.headers = read_string_map(v, where, errors, ok);
  } else if (key == "cwd") {
    def.cwd = read_optional_string(v, where, errors, ok);
  } else if (key == "env") {
    def.env = read_string_map(v, where, errors, ok).value_or(std::map<std::string, std::string>{});
  } else if (key == "tool_prefix") {
    def.tool_prefix = read_optional_string(v, where, errors, ok);
  } else if (key == "disabled_tools") {
    auto list = read_string_list(v, where, errors, ok, true);
    if (list) {
      def.disabled_tools = sorted_set(std::move(*list));
    } else {
      def.disabled_tools.reset();
    }
  } else if (key == "contexts") {
    def.contexts =
        dedupe_keep_order(read_string_list(v, where, errors, ok, false).value_or(std::vector<std::string>{}));
  } else if (key == "oauth") {
    def.oauth.reset();
    if (v.is_null()) return;
    if (!v.is_object()) {
      errors.add("dict_type", where, "Input should be a valid dictionary", v);
      ok = false;
      return;
    }
    OAuthClientConfig client;
    bool has_id = false;
    for (const auto& [k, item] : v.get_object()) {
      const auto w = at(where, k);
      if (k != "client_id" && k != "client_secret" && k != "scope") {
        errors.add("extra_forbidden", w, "Extra inputs are not permitted", item);
        ok = false;
        continue;
      }
      if (item.is_null() && k != "client_id") continue;
      if (!item.is_string() || item.get_string().size() > 4096) {
        errors.add("string_type", w, "Input should be a valid string (at most 4096 characters)", item);
        ok = false;
        continue;
      }
      std::string text(item.get_string());
      if (k == "client_id") {
        has_id = !text.empty();
        client.client_id = std::move(text);
      } else if (k == "client_secret") {
        if (!text.empty()) client.client_secret = std::move(text);
      } else if (!text.empty()) {
        client.scope = std::move(text);
      }
    }
    if (!has_id) {
      errors.add("missing", at(where, "client_id"), "Field required (a non-empty client id)");
      ok = false;
      return;
    }
    def.oauth = std::move(client);
  } else if (key == "tool_overrides") {
    def.tool_overrides.clear();
    if (v.is_null()) return;
    if (!v.is_object()) {
      errors.add("dict_type", where, "Input should be a valid dictionary", v);
      ok = false;
      return;
    }
    for (const auto& [tool, override_value] : v.get_object()) {
      const auto w = at(where, tool);
      if (tool.empty()) {
        errors.add("value_error", where, "Tool override keys must not be empty");
        ok = false;
        continue;
      }
      if (!override_value.is_object()) {
        errors.add("dict_type", w, "Input should be a valid dictionary", override_value);
        ok = false;
        continue;
      }
      ToolOverride o;
      for (const auto& [k, item] : override_value.get_object()) {
        if (k == "approval") {
          if (item.is_null()) continue;
          if (!item.is_string() ||
              (item.get_string() != "allow" && item.get_string() != "ask" && item.get_string() != "deny")) {
            errors.add("literal_error", at(w, k), "Input should be 'allow', 'ask' or 'deny'", item);
            ok = false;
            continue;
          }
          o.approval = std::string(item.get_string());
          continue;
        }
        if (k != "contexts") {
          errors.add("extra_forbidden", at(w, k), "Extra inputs are not permitted", item);
          ok = false;
          continue;
        }
        o.contexts = read_string_list(item, at(w, k), errors, ok, false);
        if (o.contexts) o.contexts = dedupe_keep_order(std::move(*o.contexts));
      }
      def.tool_overrides[std::string(tool)] = std::move(o);
    }
  }
}

}  // namespace

std::optional<ServerDefinition> parse_definition(const bj::value& value, const bj::array& loc,
                                                 ValidationErrors& errors) {
  if (!value.is_object()) {
    errors.add("dict_type", loc, "Input should be a valid dictionary", value);
    return std::nullopt;
  }
  const auto& o = value.get_object();
  ServerDefinition def;
  bool ok = true;
  if (!o.contains("id")) {
    errors.add("missing", at(loc, "id"), "Field required");
    ok = false;
  }
  for (const auto& [key, v] : o) {
    if (!known_keys().contains(std::string(key))) {
      errors.add("extra_forbidden", at(loc, key), "Extra inputs are not permitted", v);
      ok = false;
      continue;
    }
    read_field(key, v, at(loc, key), def, errors, ok);
  }
  if (!ok) return std::nullopt;
  return def;
}

std::optional<std::string> check_definition_rules(const ServerDefinition& def, bool reject_unknown_modules) {
  const int transports = (def.module ? 1 : 0) + (def.command ? 1 : 0) + (def.url ? 1 : 0);
  if (transports != 1) {
    return "Define exactly one of 'module', 'command' or 'url' for MCP server '" + def.id + "'";
  }
  if (def.headers && !def.url) {
    return "'headers' is only allowed together with 'url' (MCP server '" + def.id + "')";
  }
  if (def.oauth && !def.url) {
    return "'oauth' is only allowed together with 'url' (MCP server '" + def.id + "')";
  }
  if (def.url && def.url->rfind("http://", 0) != 0 && def.url->rfind("https://", 0) != 0) {
    return "The url of MCP server '" + def.id + "' must start with http:// or https://";
  }
  if (def.module && reject_unknown_modules && !builtin_server_name(*def.module)) {
    return "Unknown built-in MCP server module: " + *def.module;
  }
  return std::nullopt;
}

Result<ServerDefinition> apply_patch(const ServerDefinition& stored, const bj::value& body) {
  if (!body.is_object()) {
    ValidationErrors errors;
    errors.add("dict_type", loc({"body"}), "Input should be a valid dictionary", body);
    return errors.to_error();
  }
  ServerDefinition def = stored;
  ValidationErrors errors;
  bool ok = true;
  for (const auto& [key, v] : body.get_object()) {
    const auto where = loc({"body", key});
    if (key == "id" || !known_keys().contains(std::string(key))) {
      errors.add("extra_forbidden", where, "Extra inputs are not permitted", v);
      ok = false;
      continue;
    }
    if (v.is_null()) continue;  // a field cannot be cleared through PATCH (§2.17)
    read_field(key, v, where, def, errors, ok);
  }
  if (!ok) return errors.to_error();
  if (auto problem = check_definition_rules(def, true)) return Error::invalid_content(*problem);
  return def;
}

namespace {

bj::array to_array(const std::vector<std::string>& items) {
  bj::array a;
  for (const auto& s : items) a.emplace_back(s);
  return a;
}

bj::object to_object(const std::map<std::string, std::string>& items) {
  bj::object o;
  for (const auto& [k, v] : items) o[k] = v;
  return o;
}

bj::object oauth_json(const OAuthClientConfig& c) {
  bj::object o{{"client_id", c.client_id}};
  if (c.client_secret) o["client_secret"] = *c.client_secret;
  if (c.scope) o["scope"] = *c.scope;
  return o;
}

bj::object overrides_json(const std::map<std::string, ToolOverride>& overrides, bool omit_nulls) {
  bj::object o;
  for (const auto& [tool, ov] : overrides) {
    bj::object entry;
    if (ov.contexts) {
      entry["contexts"] = to_array(*ov.contexts);
    } else if (!omit_nulls) {
      entry["contexts"] = nullptr;
    }
    // Only when set: the responses existing clients read keep their shape.
    if (ov.approval) entry["approval"] = *ov.approval;
    o[tool] = std::move(entry);
  }
  return o;
}

}  // namespace

bj::object definition_to_file_json(const ServerDefinition& def) {
  bj::object o;
  o["id"] = def.id;
  o["enabled"] = def.enabled;
  if (def.module) o["module"] = *def.module;
  if (def.command) o["command"] = to_array(*def.command);
  if (def.url) o["url"] = *def.url;
  if (def.headers) o["headers"] = to_object(*def.headers);
  if (def.cwd) o["cwd"] = *def.cwd;
  o["env"] = to_object(def.env);
  if (def.tool_prefix) o["tool_prefix"] = *def.tool_prefix;
  if (def.disabled_tools) o["disabled_tools"] = to_array(*def.disabled_tools);
  o["contexts"] = to_array(def.contexts);
  o["tool_overrides"] = overrides_json(def.tool_overrides, true);
  if (def.oauth) o["oauth"] = oauth_json(*def.oauth);
  return o;
}

void write_definition_api_fields(const ServerDefinition& def, bj::object& out) {
  out["id"] = def.id;
  out["enabled"] = def.enabled;
  out["module"] = def.module ? bj::value(*def.module) : bj::value(nullptr);
  out["command"] = def.command ? bj::value(to_array(*def.command)) : bj::value(nullptr);
  out["url"] = def.url ? bj::value(*def.url) : bj::value(nullptr);
  out["headers"] = def.headers ? bj::value(to_object(*def.headers)) : bj::value(nullptr);
  out["cwd"] = def.cwd ? bj::value(*def.cwd) : bj::value(nullptr);
  out["env"] = to_object(def.env);
  out["tool_prefix"] = def.tool_prefix ? bj::value(*def.tool_prefix) : bj::value(nullptr);
  out["disabled_tools"] = to_array(def.disabled_tools.value_or(std::vector<std::string>{}));
  out["contexts"] = to_array(def.contexts);
  out["tool_overrides"] = overrides_json(def.tool_overrides, false);
  // Only when set, like a tool's approval: the responses existing clients read keep their shape.
  if (def.oauth) out["oauth"] = oauth_json(*def.oauth);
}

}  // namespace parley::mcp
