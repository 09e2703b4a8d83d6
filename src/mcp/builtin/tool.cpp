#include "mcp/builtin/tool.hpp"

#include <stdexcept>

#include "core/json.hpp"

namespace parley::mcp::builtin {

bj::object text_result(std::string_view text) {
  bj::array content;
  content.push_back(bj::object{{"type", "text"}, {"text", text}});
  return bj::object{{"content", std::move(content)}, {"isError", false}};
}

bj::object json_result(const bj::object& data) {
  auto result = text_result(json::serialize(data));
  result["structuredContent"] = data;
  return result;
}

bj::object error_result(std::string_view message) {
  auto result = text_result(message);
  result["isError"] = true;
  return result;
}

bj::object schema(std::string_view json_text) {
  std::string why;
  auto parsed = json::parse(json_text, &why);
  if (!parsed || !parsed->is_object())
    throw std::logic_error("built-in tool schema is not a JSON object: " + why);
  return std::move(parsed->get_object());
}

}  // namespace parley::mcp::builtin
