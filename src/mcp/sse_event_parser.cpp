#include "mcp/sse_event_parser.hpp"

#include <charconv>

namespace parley::mcp {

std::vector<SseEvent> SseEventParser::feed(std::string_view chunk) {
  std::vector<SseEvent> out;
  for (const char c : chunk) {
    if (skip_lf_) {
      skip_lf_ = false;
      if (c == '\n') continue;
    }
    if (c == '\r' || c == '\n') {
      skip_lf_ = c == '\r';
      line(pending_, out);
      pending_.clear();
    } else {
      pending_.push_back(c);
    }
  }
  return out;
}

void SseEventParser::line(std::string_view text, std::vector<SseEvent>& out) {
  if (text.empty()) {  // dispatch
    if (has_data_) {
      if (!current_.data.empty() && current_.data.back() == '\n') current_.data.pop_back();
      current_.id = last_id_;
      out.push_back(std::move(current_));
    }
    current_ = SseEvent{};
    has_data_ = false;
    return;
  }
  if (text.front() == ':') return;  // comment (keep-alive)
  const auto colon = text.find(':');
  std::string_view field = text.substr(0, colon);
  std::string_view value = colon == std::string_view::npos ? std::string_view() : text.substr(colon + 1);
  if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  if (field == "event") {
    current_.event = std::string(value);
  } else if (field == "data") {
    current_.data.append(value);
    current_.data.push_back('\n');
    has_data_ = true;
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) last_id_ = std::string(value);
  } else if (field == "retry") {
    long ms = 0;
    auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), ms);
    if (ec == std::errc() && p == value.data() + value.size()) retry_ms_ = ms;
  }
}

}  // namespace parley::mcp
