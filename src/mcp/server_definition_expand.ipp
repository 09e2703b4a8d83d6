// ${VAR} expansion for header and env values (api.md §7.1); a template so tests can pass a map.
#pragma once

namespace parley::mcp {

template <class Lookup>
ExpandResult expand_variables(std::string_view text, const Lookup& lookup) {
  ExpandResult r;
  for (std::size_t i = 0; i < text.size();) {
    if (text.compare(i, 3, "$${") == 0) {
      r.text += "${";
      i += 3;
      continue;
    }
    if (text.compare(i, 2, "${") == 0) {
      const auto end = text.find('}', i + 2);
      if (end != std::string_view::npos) {
        const std::string name(text.substr(i + 2, end - i - 2));
        std::optional<std::string> value = lookup(name);
        if (!value) {
          r.undefined_variable = name;
          r.text.clear();
          return r;
        }
        r.text += *value;
        i = end + 1;
        continue;
      }
    }
    r.text.push_back(text[i]);
    ++i;
  }
  return r;
}

}  // namespace parley::mcp
