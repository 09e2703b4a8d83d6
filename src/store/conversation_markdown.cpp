#include "store/conversation_markdown.hpp"

#include <boost/json.hpp>

#include "core/clock.hpp"
#include "core/json.hpp"

namespace parley::store {

namespace bj = boost::json;

namespace {

std::string text_of(const bj::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_null()) return {};
  return json::serialize(v);
}

// A code fence longer than any run of backticks inside `body`, so the block cannot be closed early.
std::string fenced(const std::string& body, const std::string& info = {}) {
  std::size_t longest = 0, run = 0;
  for (char c : body) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  const std::string fence(std::max<std::size_t>(3, longest + 1), '`');
  return fence + info + "\n" + body + (body.empty() || body.back() != '\n' ? "\n" : "") + fence + "\n";
}

std::string quoted_block(const std::string& text) {
  std::string out = "> ";
  for (char c : text) {
    out += c;
    if (c == '\n') out += "> ";
  }
  return out + "\n";
}

// Text fragments as they are, image fragments as Markdown images, anything else as JSON.
std::string content_markdown(const bj::value& content) {
  if (!content.is_array()) return text_of(content);
  std::string out;
  for (const auto& fragment : content.as_array()) {
    if (!out.empty()) out += "\n\n";
    const auto* obj = fragment.if_object();
    const auto* type = obj ? obj->if_contains("type") : nullptr;
    if (type && type->is_string() && type->get_string() == "text" && obj->contains("text")) {
      out += text_of(obj->at("text"));
    } else if (type && type->is_string() && type->get_string() == "image_url") {
      std::string url, filename = "image";
      if (const auto* image = obj->if_contains("image_url"); image && image->is_object()) {
        if (const auto* u = image->as_object().if_contains("url"); u && u->is_string()) url = u->get_string();
      }
      if (const auto* meta = obj->if_contains("metadata"); meta && meta->is_object()) {
        if (const auto* f = meta->as_object().if_contains("filename"); f && f->is_string())
          filename = f->get_string();
      }
      out += "![" + filename + "](" + url + ")";
    } else {
      out += fenced(json::serialize(fragment), "json");
    }
  }
  return out;
}

// "Sources:" and a numbered list of the url citations of a web search, when there are any.
std::string sources_list(const bj::value& annotations) {
  if (!annotations.is_array()) return {};
  std::string out;
  int n = 0;
  for (const auto& a : annotations.as_array()) {
    const auto* obj = a.if_object();
    const auto* citation = obj ? obj->if_contains("url_citation") : nullptr;
    if (!citation || !citation->is_object()) continue;
    const auto& c = citation->as_object();
    const auto url = c.contains("url") ? text_of(c.at("url")) : std::string();
    if (url.empty()) continue;
    auto title = c.contains("title") ? text_of(c.at("title")) : std::string();
    if (title.empty()) title = url;
    for (auto& ch : title) {
      if (ch == '[' || ch == ']' || ch == '\n' || ch == '\r') ch = ' ';
    }
    out += std::to_string(++n) + ". [" + title + "](<" + url + ">)\n";
  }
  return out.empty() ? out : "Sources:\n\n" + out + "\n";
}

std::string reasoning_text(const bj::value& reasoning) {
  std::string out;
  if (!reasoning.is_array()) return text_of(reasoning);
  for (const auto& segment : reasoning.as_array()) {
    if (const auto* obj = segment.if_object(); obj && obj->contains("text")) {
      if (!out.empty()) out += "\n\n";
      out += text_of(obj->at("text"));
    }
  }
  return out;
}

std::string message_section(const bj::object& m) {
  const auto role = text_of(m.at("role"));
  std::string out;
  if (role == "system") {
    out = "## System\n";
  } else if (role == "user") {
    out = "## User\n";
  } else if (role == "assistant") {
    out = "## Assistant";
    if (m.at("model").is_string()) out += " (" + text_of(m.at("model")) + ")";
    out += "\n";
  } else if (role == "tool") {
    out = "## Tool: " + (m.at("name").is_string() ? text_of(m.at("name")) : std::string("unknown")) + " (" +
          text_of(m.at("status")) + ")\n";
  } else {
    out = "## " + role + "\n";
  }
  out += "\n_" + text_of(m.at("created_at")) + "_\n\n";
  if (role == "tool") return out + fenced(text_of(m.at("result"))) + "\n";
  if (role == "assistant") {
    const auto reasoning = reasoning_text(m.at("reasoning"));
    if (!reasoning.empty()) out += quoted_block(reasoning) + "\n";
  }
  const auto body = content_markdown(m.at("content"));
  if (!body.empty()) out += body + "\n\n";
  if (role == "assistant" && m.at("tool_calls").is_array()) {
    for (const auto& call : m.at("tool_calls").as_array()) {
      const auto* obj = call.if_object();
      const auto* function = obj ? obj->if_contains("function") : nullptr;
      if (!function || !function->is_object()) continue;
      const auto& f = function->as_object();
      out += "### Tool call: " + (f.contains("name") ? text_of(f.at("name")) : std::string()) + "\n\n";
      std::string arguments = f.contains("arguments") ? text_of(f.at("arguments")) : std::string();
      // Pretty arguments read better; anything unparsable is shown as sent.
      if (auto parsed = json::parse(arguments)) arguments = json::pretty_sorted(*parsed);
      out += fenced(arguments, "json") + "\n";
    }
  }
  if (role == "assistant") out += sources_list(m.at("annotations"));
  return out;
}

}  // namespace

std::string export_file_stem(const std::string& session_id) {
  std::string safe;
  for (char c : session_id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '-';
    safe += ok ? c : '_';
  }
  return "parley-" + safe;
}

std::string conversation_markdown(const Conversation& conversation, const std::optional<std::string>& title,
                                  const bj::array& messages, SystemTime exported_at) {
  std::string out = "# " + (title ? *title : "Conversation " + conversation.session_id) + "\n\n";
  out += "- Session: `" + conversation.session_id + "`\n";
  out += "- Created: " + format_iso_utc_z(conversation.created_at) + "\n";
  out += "- Exported: " + format_iso_utc_z(exported_at) + "\n\n";
  for (const auto& m : messages) out += message_section(m.as_object());
  return out;
}

}  // namespace parley::store
