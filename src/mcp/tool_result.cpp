#include "mcp/tool_result.hpp"
#include "core/json.hpp"

#include <boost/json/serialize.hpp>

namespace parley::mcp {

namespace bj = boost::json;

namespace {

std::string describe_binary(std::string_view kind, const bj::object& item) {
  const auto data = parley::json::string_member(item, "data");
  std::string mime = parley::json::string_member(item, "mimeType");
  if (mime.empty()) mime = "unknown type";
  return "[" + std::string(kind) + ": " + mime + ", " + std::to_string(data.size() / 4 * 3) + " bytes]";
}

std::string render_item(const bj::value& value) {
  if (!value.is_object()) return parley::json::serialize(value);
  const auto& item = value.get_object();
  const auto type = parley::json::string_member(item, "type");
  if (type == "text") return parley::json::string_member(item, "text");
  if (type == "image") return describe_binary("image", item);
  if (type == "audio") return describe_binary("audio", item);
  if (type == "resource_link") {
    std::string out = "[resource link: " + parley::json::string_member(item, "uri");
    if (const auto name = parley::json::string_member(item, "name"); !name.empty()) out += " (" + name + ")";
    if (const auto desc = parley::json::string_member(item, "description"); !desc.empty())
      out += " - " + desc;
    return out + "]";
  }
  if (type == "resource") {
    const auto* resource = item.if_contains("resource");
    if (resource == nullptr || !resource->is_object()) return "[resource]";
    const auto& r = resource->get_object();
    const auto uri = parley::json::string_member(r, "uri");
    if (r.contains("text")) return "[resource " + uri + "]\n" + parley::json::string_member(r, "text");
    return "[resource " + uri + ": " +
           describe_binary("blob", bj::object{{"data", parley::json::string_member(r, "blob")},
                                              {"mimeType", parley::json::string_member(r, "mimeType")}}) +
           "]";
  }
  return parley::json::serialize(value);  // a content type newer than parley: pass it on as JSON
}

}  // namespace

std::string render_tool_result_text(const ToolCallResult& result) {
  std::string out;
  bool has_text = false;
  for (const auto& item : result.content) {
    if (!out.empty()) out += "\n";
    out += render_item(item);
    if (item.is_object() && parley::json::string_member(item.get_object(), "type") == "text") has_text = true;
  }
  if (result.structured_content && !has_text) {
    if (!out.empty()) out += "\n";
    out += parley::json::serialize(*result.structured_content);
  }
  return out;
}

bool cap_tool_result_text(std::string& text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return false;
  const std::size_t total = text.size();
  std::size_t cut = max_bytes;
  // Never split a UTF-8 sequence: back up over continuation bytes.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  text.resize(cut);
  text += "\n\n[Tool result truncated by parley: " + std::to_string(cut) + " of " + std::to_string(total) +
          " bytes shown. Ask the tool for a smaller part if you need the rest.]";
  return true;
}

}  // namespace parley::mcp
